/* SPDX-License-Identifier: ISC */
/* libFuzzer target: EAP in IKE_AUTH: the server and the peer fed arbitrary EAP messages, a genuine conversation with one message damaged, the secrets-file parser, and EAP-TLS framing fed to both ends of TLS. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "crypto/sig.h"
#include "exchange/eap_auth.h"
#include "exchange/eap_tls.h"
#include "names/ikev2.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: [op][bytes...]
 *
 * op % 4: 0 the server fed messages, 1 the peer fed messages, 2 a genuine
 *	 conversation with one message damaged, 3 the bytes as a secrets file
 * op / 4 % 4: the methods of both ends (mschapv2, md5, both, both the
 *	 other way round)
 * op / 16 % 2 = 1 with op % 4 = 0 or 1: instead, the messages are the type
 *	 data of EAP-TLS messages (Flags, [Length], TLS) fed to a TLS server
 *	 (after its Start) or peer (after a Start); the lab certificate of
 *	 tests/vectors/certs is read from the current directory (the repository;
 *	 elsewhere these inputs test nothing)
 * Messages are [len hi][len lo][len bytes], each an EAP body.
 * A damage is [step][offset][xor]: step's message gets offset (mod its
 * length) XORed.
 *
 * Oracles: what an end writes is one EAP message of its role; no one gets
 * past a method without the password: a server fed messages never
 * succeeds (no guess of a 16-byte MD5 or 24-byte NT-Response comes
 * through), a peer fed messages succeeds only after MD5 (which proves
 * nothing of the server) or a verified MS-CHAPv2 authenticator response;
 * in a conversation both ends succeed only together, with the same MSK; a
 * secrets file that parses has names and passwords within their bounds.
 * EAP-TLS: what an end writes fits one EAP message and never has S; no one
 * finishes a handshake (that needs the lab CA's signature).
 */
enum { STEPS_MAX = 16 };

static const char *const method_sets[4] = {
	"mschapv2", "md5", "mschapv2,md5", "md5,mschapv2",
};
static const char users_text[] =
    "# the lab's accounts\ncarol : carol-pass\ndave:\"  spaced pass \"\n";

static struct eap_users	 users, peer_user;
static struct eap_cfg	 srv_cfg[4], peer_cfg[4];
static struct sig_cred	*tls_cred;	/* NULL: not in the repository */

/* lab_cred reads ec256's key and certificate and the lab CA. */
static struct sig_cred *
lab_cred(void)
{
	static const char *const files[3] = {
		"tests/vectors/certs/ec256.key.pem",
		"tests/vectors/certs/ec256.crt.pem",
		"tests/vectors/certs/ca.crt.pem",
	};
	static char		 buf[8192];
	struct sig_cred		*c;
	enum ike_err		 e = IKE_OK;
	FILE			*f;
	size_t			 i, n;

	if (sig_cred_new(&c) != IKE_OK)
		return NULL;
	for (i = 0; i < 3 && e == IKE_OK; i++) {
		if ((f = fopen(files[i], "r")) == NULL) {
			sig_cred_free(c);
			return NULL;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		e = i == 0 ? sig_cred_key(c, buf, n) : i == 1 ?
		    sig_cred_certs(c, buf, n) : sig_cred_ca(c, buf, n);
	}
	FUZZ_CHECK(e == IKE_OK);
	return c;
}

static void
init_once(void)
{
	static bool	 done;
	char		 err[128];
	size_t		 i;

	if (done)
		return;
	done = true;
	tls_cred = lab_cred();
	FUZZ_CHECK(eap_users_parse(&users, users_text, sizeof(users_text) - 1,
	    err, sizeof(err)) == IKE_OK && users.n == 2);
	FUZZ_CHECK(eap_users_parse(&peer_user, users_text,
	    sizeof(users_text) - 1, err, sizeof(err)) == IKE_OK);
	for (i = 0; i < 4; i++) {
		FUZZ_CHECK(eap_methods_parse(&srv_cfg[i], method_sets[i]) ==
		    IKE_OK);
		srv_cfg[i].users = &users;
		peer_cfg[i] = srv_cfg[i];
		peer_cfg[i].users = &peer_user;	/* the peer is u[0], carol */
	}
}

/* written checks what an end wrote: one EAP message, of the server's
 * codes (Request, Success, Failure) or the peer's (Response). */
static void
written(const struct eap_state *st, bool server)
{
	struct eap_pld	 e;
	struct rd	 r;

	if (st->out_len == 0)
		return;
	FUZZ_CHECK(st->out_len <= sizeof(st->out));
	r = rd_init(st->out, st->out_len);
	FUZZ_CHECK(eap_parse(&r, &e) == IKE_OK && r.len == 0);
	FUZZ_CHECK(server ? e.code != IKEV2_EAP_RESPONSE :
	    e.code == IKEV2_EAP_RESPONSE);
}

/* next reads the next length-prefixed message of the input into *e. */
static bool
next(const uint8_t **p, size_t *len, struct eap_pld *e)
{
	size_t	 n;
	struct rd r;

	if (*len < 2)
		return false;
	n = (size_t)(*p)[0] << 8 | (*p)[1];
	if (n > *len - 2)
		n = *len - 2;
	r = rd_init(*p + 2, n);
	*p += 2 + n;
	*len -= 2 + n;
	return eap_parse(&r, e) == IKE_OK;
}

static void
server_fed(unsigned m, const uint8_t *p, size_t len)
{
	static struct eap_state	 st;
	struct eap_pld		 e;
	int			 steps = 0;

	memset(&st, 0, sizeof(st));
	eap_server_start(&st, &srv_cfg[m]);
	written(&st, true);
	while (steps++ < STEPS_MAX && len > 0) {
		if (!next(&p, &len, &e))
			continue;
		(void)eap_server_input(&st, &srv_cfg[m], &e);
		written(&st, true);
		FUZZ_CHECK(st.phase != EAP_PH_SUCCESS && !st.has_msk);
		if (st.phase == EAP_PH_FAILED)
			break;
	}
	eap_state_wipe(&st);
}

static void
peer_fed(unsigned m, const uint8_t *p, size_t len)
{
	static struct eap_state	 st;
	struct eap_pld		 e;
	enum ike_err		 err;
	int			 steps = 0;

	memset(&st, 0, sizeof(st));
	st.phase = EAP_PH_RUN;
	while (steps++ < STEPS_MAX && len > 0) {
		if (!next(&p, &len, &e))
			continue;
		err = eap_peer_input(&st, &peer_cfg[m], &e);
		written(&st, false);
		FUZZ_CHECK(err != IKE_EAUTH || st.phase == EAP_PH_FAILED);
		if (st.phase == EAP_PH_SUCCESS) {
			FUZZ_CHECK(st.method == EAP_TYPE_MD5 || st.verified);
			break;
		}
		if (st.phase == EAP_PH_FAILED)
			break;
	}
	eap_state_wipe(&st);
}

/* hand passes what from wrote to to, damaged when this is the step the
 * damage names; false when it no longer parses. */
static bool
hand(const struct eap_state *from, int step, const uint8_t *dmg,
    struct eap_pld *e, uint8_t *buf)
{
	struct rd	 r;

	memcpy(buf, from->out, from->out_len);
	if (dmg != NULL && dmg[0] == step && from->out_len > 0)
		buf[dmg[1] % from->out_len] ^= dmg[2];
	r = rd_init(buf, from->out_len);
	return from->out_len > 0 && eap_parse(&r, e) == IKE_OK;
}

static void
conversation(unsigned m, const uint8_t *p, size_t len)
{
	static struct eap_state	 srv, peer;
	static uint8_t		 buf[EAP_MSG_MAX];
	const uint8_t		*dmg = len >= 3 ? p : NULL;
	struct eap_pld		 e;
	int			 step = 0;

	memset(&srv, 0, sizeof(srv));
	memset(&peer, 0, sizeof(peer));
	peer.phase = EAP_PH_RUN;
	eap_server_start(&srv, &srv_cfg[m]);
	while (step < 2 * STEPS_MAX) {
		if (!hand(&srv, step++, dmg, &e, buf))
			break;
		(void)eap_peer_input(&peer, &peer_cfg[m], &e);
		written(&peer, false);
		if (peer.phase != EAP_PH_RUN)
			break;
		if (!hand(&peer, step++, dmg, &e, buf))
			break;
		(void)eap_server_input(&srv, &srv_cfg[m], &e);
		written(&srv, true);
		if (srv.phase == EAP_PH_FAILED)
			break;
	}
	/* a peer's success follows the server's */
	FUZZ_CHECK(peer.phase != EAP_PH_SUCCESS || srv.phase == EAP_PH_SUCCESS);
	if (peer.phase == EAP_PH_SUCCESS) {
		FUZZ_CHECK(peer.has_msk == srv.has_msk);
		FUZZ_CHECK(!peer.has_msk || memcmp(peer.msk, srv.msk,
		    sizeof(peer.msk)) == 0);
	}
	/* undamaged, it always succeeds */
	FUZZ_CHECK(dmg != NULL || peer.phase == EAP_PH_SUCCESS);
	eap_state_wipe(&srv);
	eap_state_wipe(&peer);
}

/* tls_fed feeds EAP-TLS type data to one end of TLS. */
static void
tls_fed(bool server, const uint8_t *p, size_t len)
{
	static uint8_t		 out[EAP_TLS_HDR + EAP_TLS_FRAG];
	struct eap_tls		*t;
	size_t			 n, out_len;
	char			 why[EAP_TLS_WHY_LEN];
	bool			 over;
	int			 steps = 0;

	if (tls_cred == NULL)
		return;
	FUZZ_CHECK(eap_tls_new(&t, server, true, tls_cred, NULL, 0, why,
	    sizeof(why)) == IKE_OK);
	if (server)
		FUZZ_CHECK(eap_tls_start(t, out, sizeof(out)) == 1);
	else
		FUZZ_CHECK(eap_tls_input(t, (const uint8_t *)"\x20", 1, out,
		    sizeof(out), &out_len, &over) == IKE_OK && out_len > 1);
	while (steps++ < 2 * STEPS_MAX && len >= 2) {
		n = (size_t)p[0] << 8 | p[1];
		if (n > len - 2)
			n = len - 2;
		(void)eap_tls_input(t, p + 2, n, out, sizeof(out), &out_len,
		    &over);
		p += 2 + n;
		len -= 2 + n;
		FUZZ_CHECK(out_len <= sizeof(out));
		FUZZ_CHECK(out_len == 0 || (out[0] & EAP_TLS_F_S) == 0);
		FUZZ_CHECK(!over && !eap_tls_done(t));
	}
	eap_tls_free(t);
}

static void
secrets(const uint8_t *p, size_t len)
{
	static struct eap_users	 u;
	char			 err[128];
	size_t			 i;

	memset(&u, 0, sizeof(u));
	if (eap_users_parse(&u, (const char *)p, len, err, sizeof(err)) !=
	    IKE_OK) {
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	for (i = 0; i < u.n; i++) {
		FUZZ_CHECK(u.u[i].name[0] != '\0' &&
		    strlen(u.u[i].name) <= EAP_NAME_MAX);
		FUZZ_CHECK(u.u[i].pass[0] != '\0' &&
		    strlen(u.u[i].pass) <= EAP_PASS_MAX);
	}
	eap_users_free(&u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned	 m;

	if (size < 1 || size > 8192)
		return 0;
	init_once();
	m = data[0] / 4 % 4;
	if (data[0] / 16 % 2 == 1 && data[0] % 4 < 2) {
		tls_fed(data[0] % 4 == 0, data + 1, size - 1);
		return 0;
	}
	switch (data[0] % 4) {
	case 0:
		server_fed(m, data + 1, size - 1);
		break;
	case 1:
		peer_fed(m, data + 1, size - 1);
		break;
	case 2:
		conversation(m, data + 1, size - 1);
		break;
	case 3:
		secrets(data + 1, size - 1);
		break;
	}
	return 0;
}
