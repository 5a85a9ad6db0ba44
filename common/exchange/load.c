/* SPDX-License-Identifier: ISC */
/* An established IKE SA read back from its ike.sa file (ike-state(5)), for the programs that did not make it, with its journal and kept answer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/hdr.h"
#include "crypto/keys.h"
#include "crypto/prf.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "sa/kvget.h"
#include "exchange/record.h"
#include "exchange/xchg.h"

enum { VAL_MAX = 300 };

static const char *const keys[] = {
	"name", "state", "role", "ispi", "rspi", "local", "remote", "encr",
	"encr_keybits", "integ", "prf", "dh", "nat", "vip", "child", "sk_d",
	"sk_ai", "sk_ar", "sk_ei", "sk_er", "sk_pi", "sk_pr", "msgid_out",
	"msgid_in", "mobike",
};
enum { N_KEYS = sizeof(keys) / sizeof(keys[0]) };

static const char *const roles[] = { "initiator", "responder", NULL };
static const char *const states[] = { "established", NULL };
static const char *const yesno[] = { "no", "yes", NULL };

/* copy puts key's value (if any) in out, refusing one that does not fit. */
static enum ike_err
copy(const struct kvget *g, const char *key, char *out, size_t cap)
{
	const char	*s = NULL;
	enum ike_err	 e;

	if ((e = kvg_str(g, key, true, &s)) != IKE_OK || s == NULL)
		return e;
	if (strlen(s) >= cap) {
		snprintf(g->err, g->errlen, "%s: %s: too long", g->file, key);
		return IKE_EINVAL;
	}
	memcpy(out, s, strlen(s) + 1);
	return IKE_OK;
}

static enum ike_err
load(const struct kvget *g, struct ike_sa *sa, struct ike_sa_file *f)
{
	struct ike_keys	*k = &sa->keys;
	uint64_t	 bits = 0, out = 0, in = 0;
	size_t		 n;
	int		 role = 0, state = 0, nat = 0, mobike = 0;
	enum ike_err	 e;

	if ((e = kvg_word(g, "state", states, &state)) != IKE_OK ||
	    (e = kvg_word(g, "role", roles, &role)) != IKE_OK ||
	    (e = kvg_spi64(g, "ispi", &sa->ispi)) != IKE_OK ||
	    (e = kvg_spi64(g, "rspi", &sa->rspi)) != IKE_OK ||
	    (e = kvg_xform(g, "encr", IKEV2_XFORM_ENCR, &sa->suite.encr)) != IKE_OK ||
	    (e = kvg_u64(g, "encr_keybits", true, 512, &bits)) != IKE_OK ||
	    (e = kvg_xform(g, "integ", IKEV2_XFORM_INTEG, &sa->suite.integ)) != IKE_OK ||
	    (e = kvg_xform(g, "prf", IKEV2_XFORM_PRF, &sa->suite.prf)) != IKE_OK ||
	    (kvg_find(g, "dh") != NULL &&
	    (e = kvg_xform(g, "dh", IKEV2_XFORM_DH, &sa->suite.dh)) != IKE_OK) ||
	    (e = kvg_word(g, "nat", yesno, &nat)) != IKE_OK ||
	    (kvg_find(g, "mobike") != NULL &&
	    (e = kvg_word(g, "mobike", yesno, &mobike)) != IKE_OK) ||
	    (e = copy(g, "name", f->name, sizeof(f->name))) != IKE_OK ||
	    (e = copy(g, "child", f->child, sizeof(f->child))) != IKE_OK ||
	    (e = copy(g, "local", f->local, sizeof(f->local))) != IKE_OK ||
	    (e = copy(g, "remote", f->remote, sizeof(f->remote))) != IKE_OK ||
	    (e = copy(g, "vip", f->vip, sizeof(f->vip))) != IKE_OK)
		return e;
	sa->role = role == 0 ? ROLE_INITIATOR : ROLE_RESPONDER;
	sa->suite.encr_keybits = (uint16_t)bits;
	f->nat = nat == 1;
	sa->mobike = mobike == 1;
	if ((e = kvg_hex(g, "sk_d", k->sk_d, sizeof(k->sk_d), &k->d_len)) != IKE_OK ||
	    (e = kvg_hex(g, "sk_ai", k->sk_ai, sizeof(k->sk_ai), &k->a_len)) != IKE_OK ||
	    (e = kvg_hex(g, "sk_ar", k->sk_ar, sizeof(k->sk_ar), &n)) != IKE_OK)
		return e;
	if (n != k->a_len) {
		snprintf(g->err, g->errlen, "%s: sk_ar: not as long as sk_ai",
		    g->file);
		return IKE_EINVAL;
	}
	if ((e = kvg_hex(g, "sk_ei", k->sk_ei, sizeof(k->sk_ei), &k->e_len)) != IKE_OK ||
	    (e = kvg_hex(g, "sk_er", k->sk_er, sizeof(k->sk_er), &n)) != IKE_OK)
		return e;
	if (n != k->e_len || k->e_len != encr_key_len(sa->suite.encr, bits)) {
		snprintf(g->err, g->errlen, "%s: sk_ei, sk_er: wrong length for "
		    "the cipher", g->file);
		return IKE_EINVAL;
	}
	if ((e = kvg_hex(g, "sk_pi", k->sk_pi, sizeof(k->sk_pi), &k->p_len)) != IKE_OK ||
	    (e = kvg_hex(g, "sk_pr", k->sk_pr, sizeof(k->sk_pr), &n)) != IKE_OK)
		return e;
	/* every key as long as its transform takes: a short SK_d would give
	 * wrong keys at the next rekey, not an error */
	if (sa->suite.encr == IKEV2_ENCR_NULL ||
	    !encr_supported(sa->suite.encr, (uint16_t)bits) ||
	    k->a_len != integ_key_len(sa->suite.integ) ||
	    k->d_len != prf_len(sa->suite.prf) ||
	    k->p_len != prf_len(sa->suite.prf) || n != k->p_len) {
		snprintf(g->err, g->errlen, "%s: a transform that IKE cannot "
		    "use, or a key not as long as its transform takes", g->file);
		return IKE_EINVAL;
	}
	/* written since message IDs are shared between programs; before,
	 * the file was written right after IKE_AUTH (message ID 1) */
	out = role == 0 ? 2 : 0;
	in = role == 0 ? 0 : 2;
	if ((e = kvg_u64(g, "msgid_out", true, UINT32_MAX, &out)) != IKE_OK ||
	    (e = kvg_u64(g, "msgid_in", true, UINT32_MAX, &in)) != IKE_OK)
		return e;
	sa->msgid = (uint32_t)(role == 0 ? out : in);
	sa->peer_msgid = (uint32_t)(role == 0 ? in : out);
	sa->state = SA_ESTABLISHED;
	return IKE_OK;
}

enum ike_err
ike_sa_load(struct sd_lock *l, struct ike_sa *sa, struct ike_sa_file *f,
    char *err, size_t errlen)
{
	char		 vals[N_KEYS][VAL_MAX], file[SD_NAME_MAX + 16];
	struct sd_kv	 kv[N_KEYS];
	struct kvget	 g;
	size_t		 i;
	enum ike_err	 e;

	ike_sa_init(sa, ROLE_INITIATOR);
	memset(f, 0, sizeof(*f));
	for (i = 0; i < N_KEYS; i++) {
		kv[i].key = keys[i];
		kv[i].val = vals[i];
		kv[i].cap = VAL_MAX;
	}
	snprintf(file, sizeof(file), "%s/ike.sa", l->name);
	g = (struct kvget){ file, kv, N_KEYS, err, errlen };
	if ((e = sd_read(l, "ike.sa", kv, N_KEYS)) != IKE_OK)
		snprintf(err, errlen, "%s: %s", file, e == IKE_EUNSUPP ?
		    "format version not supported (only 1)" :
		    e == IKE_EINVAL ? "malformed (a line without '=', a "
		    "repeated or too long value, or no version)" :
		    e == IKE_EIO ? strerror(errno) : ike_strerror(e));
	else
		e = load(&g, sa, f);
	wipe(vals, sizeof(vals));
	if (e != IKE_OK)
		ike_sa_wipe(sa);
	return e;
}

enum ike_err
kvg_ts(const struct kvget *g, const char *key, struct ts_pld *out)
{
	const char	*s = NULL;
	char		 why[128];
	enum ike_err	 e;

	if ((e = kvg_str(g, key, false, &s)) != IKE_OK)
		return e;
	if (ts_parse_list(out, s, why, sizeof(why)) != IKE_OK) {
		snprintf(g->err, g->errlen, "%s: %s: %s", g->file, key, why);
		return IKE_EINVAL;
	}
	return IKE_OK;
}

/* The journal and the kept answer of ike.sa (exchange/record.h). */

/* a value in hex: no longer than the file we write (pending_req is at
 * most 2 * PENDING_REQ_MAX, a last_resp too long for it is left out) */
enum { HEX_MAX = SD_KV_BUF };

static const char *const whats[] = {
	"check", "child", "delete", "delete-ike", "rekey-ike", NULL,
};

/* req_of tells whether msg is a message of sa (its SPIs) with the R flag
 * resp, and gives its header. */
static bool
req_of(const struct ike_sa *sa, const uint8_t *msg, size_t len, bool resp,
    struct ike_hdr *h)
{
	struct rd	 r = rd_init(msg, len);

	return hdr_parse(&r, h) == IKE_OK && h->ispi == sa->ispi &&
	    h->rspi == sa->rspi &&
	    ((h->flags & IKEV2_FLAG_RESPONSE) != 0) == resp;
}

enum ike_err
pending_load(struct sd_lock *l, const struct ike_sa *sa, struct pending *p,
    bool *stale, char *err, size_t errlen)
{
	static const char *const names[] = {
		"pending_msgid", "pending_what", "pending_spi", "pending_req",
		"msgid_out",
	};
	enum { N = sizeof(names) / sizeof(names[0]) };
	char		*vals, file[SD_NAME_MAX + 16];
	struct sd_kv	 kv[N];
	struct kvget	 g;
	struct ike_hdr	 h;
	uint64_t	 msgid = 0, out = 0;
	int		 what = 0;
	size_t		 i;
	bool		 ok;
	enum ike_err	 e;

	memset(p, 0, sizeof(*p));
	if (stale != NULL)
		*stale = false;
	if ((vals = malloc(N * HEX_MAX)) == NULL)
		return IKE_ENOMEM;
	for (i = 0; i < N; i++)
		kv[i] = (struct sd_kv){ names[i], vals + i * HEX_MAX, HEX_MAX, 0 };
	snprintf(file, sizeof(file), "%s/ike.sa", l->name);
	g = (struct kvget){ file, kv, N, err, errlen };
	if ((e = sd_read(l, "ike.sa", kv, N)) != IKE_OK) {
		snprintf(err, errlen, "%s: %s", file, e == IKE_EIO ?
		    strerror(errno) : "malformed");
		goto out;
	}
	if (kv[0].line == 0)
		goto out;			/* no journal */
	if ((e = kvg_u64(&g, "pending_msgid", false, UINT32_MAX - 1, &msgid)) !=
	    IKE_OK || (e = kvg_word(&g, "pending_what", whats, &what)) != IKE_OK ||
	    (e = kvg_hex(&g, "pending_req", p->req, sizeof(p->req), &p->len)) !=
	    IKE_OK || (e = kvg_u64(&g, "msgid_out", false, UINT32_MAX, &out)) !=
	    IKE_OK || (kvg_find(&g, "pending_spi") != NULL &&
	    (e = kvg_spi32(&g, "pending_spi", &p->spi)) != IKE_OK))
		goto out;
	p->what = (enum pending_what)(what + 1);
	p->msgid = (uint32_t)msgid;
	/* our request on this SA, at the reserved message ID */
	ok = req_of(sa, p->req, p->len, false, &h) && h.msgid == p->msgid &&
	    out == msgid + 1 && h.exch == (p->what == PENDING_CHILD ||
	    p->what == PENDING_REKEY_IKE ? IKEV2_EXCH_CREATE_CHILD_SA :
	    IKEV2_EXCH_INFORMATIONAL) &&
	    ((p->what == PENDING_CHILD || p->what == PENDING_DELETE) ==
	    (p->spi != 0));
	if (!ok) {
		memset(p, 0, sizeof(*p));
		if (stale != NULL)
			*stale = true;
	}
out:
	wipe(vals, N * HEX_MAX);
	free(vals);
	if (e != IKE_OK)
		memset(p, 0, sizeof(*p));
	return e;
}

enum ike_err
last_resp_load(struct sd_lock *l, const struct ike_sa *sa, uint8_t *out,
    size_t cap, size_t *len, uint32_t *msgid)
{
	char		*val;
	struct sd_kv	 kv[2];
	char		 in[16], err[128], file[SD_NAME_MAX + 16];
	struct kvget	 g;
	struct ike_hdr	 h;
	uint64_t	 next = 0;
	enum ike_err	 e;

	*len = 0;
	*msgid = 0;
	if ((val = malloc(HEX_MAX)) == NULL)
		return IKE_ENOMEM;
	kv[0] = (struct sd_kv){ "last_resp", val, HEX_MAX, 0 };
	kv[1] = (struct sd_kv){ "msgid_in", in, sizeof(in), 0 };
	snprintf(file, sizeof(file), "%s/ike.sa", l->name);
	g = (struct kvget){ file, kv, 2, err, sizeof(err) };
	if ((e = sd_read(l, "ike.sa", kv, 2)) == IKE_OK && kv[0].line != 0 &&
	    kvg_hex(&g, "last_resp", out, cap, len) == IKE_OK &&
	    kvg_u64(&g, "msgid_in", false, UINT32_MAX, &next) == IKE_OK &&
	    req_of(sa, out, *len, true, &h) && next > 0 && h.msgid == next - 1)
		*msgid = h.msgid;
	else
		*len = 0;
	free(val);
	return e;
}
