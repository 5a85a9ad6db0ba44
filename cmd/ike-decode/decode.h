/* SPDX-License-Identifier: ISC */
/* ike-decode's internal interfaces: options, decoded records, decoders and printers. */
#ifndef IKEKIT_IKE_DECODE_DECODE_H
#define IKEKIT_IKE_DECODE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"
#include "codec/msg.h"
#include "io/pkt.h"

struct opts {
	int		 verbose;	/* -v count */
	bool		 json;		/* --json */
	bool		 no_time;	/* -t */
	bool		 decrypt;	/* --decrypt: keys from the state directory */
	uint64_t	 count;		/* -c; 0 = no limit */
	const char	*iface;		/* -i */
	const char	*file;		/* FILE, -r FILE, or "-" */
	const char	*keys_dir;	/* --keys */
	const char	*ike_keys;	/* --ike-keys */
	const char	*esp_keys;	/* --esp-keys */
	const char	*state_dir;	/* -S */
	char		*filter;	/* trailing arguments joined by spaces, or NULL */
};

/* What became of an SK or SKF payload. */
enum sk_state {
	SK_NONE,		/* no key source given: not attempted */
	SK_OK,			/* decrypted; in[] holds the inner payloads */
	SK_PART,		/* SKF decrypted, waiting for more fragments */
	SK_FAIL,		/* err says why (IKE_ENOKEY, IKE_EINTEG, ...) */
};

struct dsk {
	enum sk_state	 st;
	enum ike_err	 err;
	bool		 reassembled;		/* SKF: this fragment completed it */
	size_t		 n_in;
	struct pld	 in[PLD_MAX];		/* offsets from the plaintext start */
	uint16_t	 ntype[PLD_MAX];	/* Notify type of each N */
	struct rd	 plain;			/* the inner chain */
};

/* A decoded IKE message: the header, the clear payloads that decoded, the SK
 * outcome, and where decoding stopped if it did. */
struct dike {
	struct ike_msg	 m;
	uint16_t	 ntype[PLD_MAX];	/* Notify type of each N */
	size_t		 n_ok;			/* payloads of m that decoded */
	struct dsk	 sk;
	char		 malformed[160];	/* "<where>: <why>", or "" */
};

/* The IP packet inside a decrypted ESP packet. */
struct dinner {
	uint8_t		 version;		/* 4 or 6; 0 when next header is not IP */
	uint8_t		 next_hdr;		/* ESP next header */
	uint8_t		 proto;
	uint8_t		 src[16], dst[16];
	uint16_t	 sport, dport;		/* TCP, UDP, SCTP */
	bool		 has_ports;
	bool		 has_icmp;
	uint8_t		 icmp_type, icmp_code;
	uint32_t	 length;		/* IP total length */
	const char	*bad;			/* "truncated", ... or NULL */
};

struct desp {
	uint32_t	 spi, seq;
	size_t		 len;			/* from the SPI to the end */
	enum sk_state	 st;			/* SK_NONE, SK_OK or SK_FAIL */
	enum ike_err	 err;
	struct dinner	 in;
};

enum rec_kind {
	REC_IKE,
	REC_IKEV1,
	REC_ESP,
	REC_KEEPALIVE,
	REC_MALFORMED,
	REC_OTHER,
};

/* One decoded packet, what the printers get. */
struct rec {
	const struct pkt	*pk;		/* frame, time, addresses */
	enum rec_kind		 kind;
	bool			 natt;
	struct dike		*ike;		/* REC_IKE, REC_IKEV1 (header only) */
	struct desp		*esp;		/* REC_ESP */
	char			 why[160];	/* REC_MALFORMED, REC_OTHER */
};

/* --- decrypt.c: keys and ciphers --- */

/* keys_load reads the key sources the options name; on error it prints the
 * loader's message and exits (2 for a bad line, 5 for an unreadable file). */
void		 keys_load(const struct opts *o);
/* keys_any returns whether any key source was given. */
bool		 keys_any(void);
/* keys_free wipes and frees every key and cipher (atexit). */
void		 keys_free(void);

/* keys_sk_open decrypts the SK or SKF payload whose body starts at body_off
 * of the message msg (len bytes) sent with header h into out, and sets
 * *out_len to the inner chain's length (padding removed). IKE_ENOKEY when no
 * key is known for the SPIs, IKE_EINTEG on a wrong key or a changed byte. */
enum ike_err	 keys_sk_open(const struct ike_hdr *h, const uint8_t *msg, size_t len,
		    size_t body_off, uint8_t *out, size_t cap, size_t *out_len);

/* keys_esp_open decrypts ESP packet esp (from the SPI, len bytes) sent from
 * pk's src to dst into out; *next_hdr is the ESP next header. */
enum ike_err	 keys_esp_open(const struct pkt *pk, uint32_t spi, const uint8_t *esp,
		    size_t len, uint8_t *out, size_t cap, size_t *out_len,
		    uint8_t *next_hdr);

/* --- ike.c, esp.c: decoders --- */

/* ike_decode decodes one IKE message (no non-ESP marker) into r, which it
 * sets to REC_IKE, REC_IKEV1 or REC_MALFORMED. Decrypted plaintext lives in
 * static storage until the next call (ike_wipe wipes it). */
void		 ike_decode(struct rd msg, struct rec *r);
void		 ike_wipe(void);
/* esp_decode decodes (and, with keys, decrypts) the ESP packet of pk. */
void		 esp_decode(const struct pkt *pk, struct rec *r);
void		 esp_wipe(void);

/* inner_parse summarises the packet of n bytes that ESP carried with next
 * header nh. */
void		 inner_parse(const uint8_t *p, size_t n, uint8_t nh, struct dinner *out);

/* sk_why returns the text for a failed SK/SKF/ESP decryption, as the JSON
 * "error" field and the text "cannot decrypt: ..." note show it. */
const char	*sk_why(enum ike_err e);

/* --- dn.c --- */

enum { LONG_MAX_DER = 65535, DN_TEXT_MAX = 1024 };

/* dn_render writes the DER Distinguished Name der (len bytes) as RFC 4514 text
 * into out (cap bytes, NUL-terminated); false if it is not a whole DN or the
 * text does not fit. Non-ASCII characters are printed as UTF-8. */
bool		 dn_render(const uint8_t *der, size_t len, char *out, size_t cap);

/* --- text.c, json.c: printers --- */

void		 text_print(const struct opts *o, const struct rec *r);
void		 json_print(const struct opts *o, const struct rec *r);

/* pld_name returns the abbreviation of a payload type ("SA", "No", "SKF") or
 * NULL for a type without one. */
const char	*pld_name(uint8_t type);

#endif
