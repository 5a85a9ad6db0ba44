/* SPDX-License-Identifier: ISC */
/* The whole IKEv2 codec in one include. */
#ifndef IKEKIT_CODEC_CODEC_H
#define IKEKIT_CODEC_CODEC_H

#include "codec/auth_pld.h"
#include "codec/cert.h"
#include "codec/chain.h"
#include "codec/cp.h"
#include "codec/delete.h"
#include "codec/eap.h"
#include "codec/esp.h"
#include "codec/hdr.h"
#include "codec/id.h"
#include "codec/ke.h"
#include "codec/msg.h"
#include "codec/natt.h"
#include "codec/nonce.h"
#include "codec/notify.h"
#include "codec/sa_pld.h"
#include "codec/sk.h"
#include "codec/ts.h"
#include "codec/vendor.h"

#endif
