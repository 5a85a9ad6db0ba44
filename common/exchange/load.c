/* SPDX-License-Identifier: ISC */
/* An established IKE SA read back from its ike.sa file (ike-state(5)), for the programs that did not make it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypto/keys.h"
#include "crypto/prf.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "sa/kvget.h"
#include "exchange/xchg.h"

enum { VAL_MAX = 300 };

static const char *const keys[] = {
	"name", "state", "role", "ispi", "rspi", "local", "remote", "encr",
	"encr_keybits", "integ", "prf", "dh", "nat", "vip", "child", "sk_d",
	"sk_ai", "sk_ar", "sk_ei", "sk_er", "sk_pi", "sk_pr", "msgid_out",
	"msgid_in",
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
	int		 role = 0, state = 0, nat = 0;
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
	    (e = copy(g, "name", f->name, sizeof(f->name))) != IKE_OK ||
	    (e = copy(g, "child", f->child, sizeof(f->child))) != IKE_OK ||
	    (e = copy(g, "local", f->local, sizeof(f->local))) != IKE_OK ||
	    (e = copy(g, "remote", f->remote, sizeof(f->remote))) != IKE_OK ||
	    (e = copy(g, "vip", f->vip, sizeof(f->vip))) != IKE_OK)
		return e;
	sa->role = role == 0 ? ROLE_INITIATOR : ROLE_RESPONDER;
	sa->suite.encr_keybits = (uint16_t)bits;
	f->nat = nat == 1;
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
