/* SPDX-License-Identifier: ISC */
/* esp-tun: give up privileges once the TUN device, sockets and routes are set up. */
#ifndef IKEKIT_CMD_ESP_TUN_PRIVS_H
#define IKEKIT_CMD_ESP_TUN_PRIVS_H

/* privs_drop empties every capability set of the process (effective,
 * permitted, inheritable, ambient, and the bounding set when it holds
 * CAP_SETPCAP) and sets PR_SET_NO_NEW_PRIVS, so no execve can give any
 * back. The uid stays: run as root, the process still reads and writes
 * what root owns with owner permissions (the 0700 state directory; also
 * any other root-owned file with an owner write bit), and keeps the fds it
 * has open (TUN device, sockets), but can no longer configure interfaces or
 * routes, open raw sockets or bind ports below 1024. Returns 0, or -1 with
 * errno (EPERM from capset, EINVAL from prctl on a kernel without
 * PR_SET_NO_NEW_PRIVS). */
int	 privs_drop(void);

/* privs_keep_only is privs_drop keeping capability keep (CAP_*) in the
 * effective, permitted and bounding sets: what the raw socket keeper
 * (rawsock.c) holds. */
int	 privs_keep_only(int keep);

#endif
