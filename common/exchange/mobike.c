/* SPDX-License-Identifier: ISC */
/* MOBIKE (RFC 4555): UPDATE_SA_ADDRESSES with NAT detection and COOKIE2, sent and answered. */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "codec/hdr.h"
#include "codec/msg.h"
#include "codec/notify.h"
#include "crypto/secret.h"
#include "names/ikev2.h"
#include "sa/statedir.h"
#include "exchange/internal.h"
#include "exchange/mobike.h"
#include "exchange/xchg.h"

/* What a MOBIKE message carries (inside SK) that we look at. */
struct mnotes {
	bool		 any;		/* one of RFC 4555's notifies */
	bool		 update, has_s, has_d, has_cookie2;
	uint8_t		 natd_s[NATD_HASH_LEN], natd_d[NATD_HASH_LEN];
	uint8_t		 cookie2[MOBIKE_COOKIE2_MAX];
	size_t		 cookie2_len;
	uint16_t	 error;		/* first error Notify */
};

/* scan reads the notifies of pt: IKE_ESYNTAX when one of RFC 4555's is
 * malformed (m->any then set too: the request was meant as MOBIKE) or a
 * payload does not parse. */
static enum ike_err
scan(const uint8_t *pt, size_t len, uint8_t first, struct mnotes *m)
{
	struct pld_iter		 it;
	struct pld		 p;
	struct notify_pld	 n;
	struct rd		 body;
	enum ike_err		 e = IKE_OK;

	memset(m, 0, sizeof(*m));
	pld_iter_init_inner(&it, rd_init(pt, len), first);
	while (pld_next(&it, &p)) {
		if (p.type != IKEV2_PAYLOAD_NOTIFY)
			continue;
		body = p.body;
		if (notify_parse(&body, &n) != IKE_OK)
			return IKE_ESYNTAX;
		if (notify_is_error(n.type) && m->error == 0)
			m->error = n.type;
		switch (n.type) {
		case IKEV2_N_UPDATE_SA_ADDRESSES:
			m->update = m->any = true;
			break;
		case IKEV2_N_NAT_DETECTION_SOURCE_IP:
			m->any = true;
			if (n.data.len != NATD_HASH_LEN)
				e = IKE_ESYNTAX;
			/* several: one per address of the sender; the first */
			else if (!m->has_s)
				(void)rd_copy(&n.data, m->natd_s, NATD_HASH_LEN);
			m->has_s = true;
			break;
		case IKEV2_N_NAT_DETECTION_DESTINATION_IP:
			m->any = true;
			if (m->has_d || n.data.len != NATD_HASH_LEN)
				e = IKE_ESYNTAX;
			else
				(void)rd_copy(&n.data, m->natd_d, NATD_HASH_LEN);
			m->has_d = true;
			break;
		case IKEV2_N_COOKIE2:
			m->any = true;
			/* one, to echo: which of two would be ambiguous */
			if (m->has_cookie2 || n.data.len < MOBIKE_COOKIE2_MIN ||
			    n.data.len > MOBIKE_COOKIE2_MAX) {
				e = IKE_ESYNTAX;
				break;
			}
			m->cookie2_len = n.data.len;
			(void)rd_copy(&n.data, m->cookie2, n.data.len);
			m->has_cookie2 = true;
			break;
		case IKEV2_N_ADDITIONAL_IP4_ADDRESS:
		case IKEV2_N_ADDITIONAL_IP6_ADDRESS:
		case IKEV2_N_NO_ADDITIONAL_ADDRESSES:
			m->any = true;	/* answered empty: one path is all we use */
			break;
		default:
			break;
		}
	}
	if (it.err != IKE_OK)
		return IKE_ESYNTAX;
	return e;
}

enum ike_err
mobike_natd(const struct ike_sa *sa, int af, const uint8_t *addr,
    uint16_t port, uint8_t out[NATD_HASH_LEN])
{
	return natd_hash(sa->ispi, sa->rspi, af, addr, port, out);
}

/* put_natd adds both NAT detection notifies over p to b, ours first. */
static enum ike_err
put_natd(const struct ike_sa *sa, const struct mobike_path *p, bool fake,
    struct skb *b)
{
	uint8_t		 h[NATD_HASH_LEN];
	enum ike_err	 e;

	if (fake)	/* a source no hash can match: "we are behind a NAT" */
		rand_bytes(h, sizeof(h));
	else if ((e = mobike_natd(sa, p->af, p->local, p->lport, h)) != IKE_OK)
		return e;
	chain_open(&b->c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&b->w, 0, NULL, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP, h,
	    sizeof(h));
	if ((e = mobike_natd(sa, p->af, p->remote, p->rport, h)) != IKE_OK)
		return e;
	chain_open(&b->c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&b->w, 0, NULL, 0, IKEV2_N_NAT_DETECTION_DESTINATION_IP, h,
	    sizeof(h));
	return IKE_OK;
}

/* check_natd reads the peer's hashes against p: its source against the
 * address it sent from (remote), its destination against ours. */
static enum ike_err
check_natd(const struct ike_sa *sa, const struct mobike_path *p,
    const struct mnotes *m, bool *nat_local, bool *nat_remote)
{
	uint8_t		 h[NATD_HASH_LEN];
	enum ike_err	 e;

	*nat_local = *nat_remote = false;
	if (m->has_s) {
		if ((e = mobike_natd(sa, p->af, p->remote, p->rport, h)) !=
		    IKE_OK)
			return e;
		*nat_remote = !ct_eq(h, m->natd_s, sizeof(h));
	}
	if (m->has_d) {
		if ((e = mobike_natd(sa, p->af, p->local, p->lport, h)) !=
		    IKE_OK)
			return e;
		*nat_local = !ct_eq(h, m->natd_d, sizeof(h));
	}
	return IKE_OK;
}

enum ike_err
mobike_update_create(struct ike_sa *sa, struct mobike_update *u,
    struct wr *out)
{
	struct skb	 b;
	enum ike_err	 e;

	out->len = 0;
	if (sa->state != SA_ESTABLISHED || !sa->mobike || sa->keys.e_len == 0 ||
	    (u->path.af != AF_INET && u->path.af != AF_INET6))
		return IKE_EINVAL;
	u->msgid = *ike_sa_own_msgid(sa);
	rand_bytes(u->cookie2, sizeof(u->cookie2));
	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&b.w, 0, NULL, 0, IKEV2_N_UPDATE_SA_ADDRESSES, NULL, 0);
	if ((e = put_natd(sa, &u->path, u->fake_natd, &b)) != IKE_OK) {
		wipe(b.buf, sizeof(b.buf));
		return e;
	}
	chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&b.w, 0, NULL, 0, IKEV2_N_COOKIE2, u->cookie2,
	    sizeof(u->cookie2));
	return skb_seal(sa, &b, IKEV2_EXCH_INFORMATIONAL, false, u->msgid, out);
}

/* answer_open reads the answer to our request msgid on sa that echoes
 * cookie2: IKE_ESYNTAX (another message) and IKE_EINTEG (forged) leave
 * the counter alone; otherwise the exchange is over, the counter moved,
 * with IKE_EREFUSED for an error Notify, IKE_EPROTO for another COOKIE2,
 * none or malformed notifies, else IKE_OK with its notifies in n. */
static enum ike_err
answer_open(struct ike_sa *sa, uint32_t msgid,
    const uint8_t cookie2[MOBIKE_COOKIE2_LEN], struct rd in,
    struct mnotes *n)
{
	uint8_t		 pt[XCHG_OUT_MAX];
	size_t		 pt_len = 0;
	uint8_t		 first = 0;
	enum ike_err	 e;

	memset(n, 0, sizeof(*n));
	if (sa->keys.e_len == 0)
		return IKE_EINVAL;
	if (msgid != *ike_sa_own_msgid(sa))	/* answered already */
		return IKE_ESYNTAX;
	if ((e = info_open(sa, in, true, msgid, pt, sizeof(pt), &pt_len,
	    &first)) != IKE_OK)
		goto done;
	/* authentic and ours: the exchange is over, whatever it says */
	(*ike_sa_own_msgid(sa))++;
	if (scan(pt, pt_len, first, n) != IKE_OK) {
		e = IKE_EPROTO;
		goto done;
	}
	if (n->error != 0) {
		sa->peer_notify = n->error;
		e = IKE_EREFUSED;
		goto done;
	}
	/* RFC 4555 3.5: the answer echoes our COOKIE2 */
	if (!n->has_cookie2 || n->cookie2_len != MOBIKE_COOKIE2_LEN ||
	    !ct_eq(n->cookie2, cookie2, MOBIKE_COOKIE2_LEN))
		e = IKE_EPROTO;
done:
	pt_wipe(pt, sizeof(pt), in.len);
	return e;
}

enum ike_err
mobike_update_consume(struct ike_sa *sa, struct mobike_update *u,
    struct rd in)
{
	struct mnotes	 n;
	enum ike_err	 e;

	if ((e = answer_open(sa, u->msgid, u->cookie2, in, &n)) != IKE_OK)
		return e;
	e = check_natd(sa, &u->path, &n, &u->nat_local, &u->nat_remote);
	u->nat_local |= u->fake_natd;
	return e;
}

enum ike_err
mobike_check_create(struct ike_sa *sa, struct mobike_check *c,
    struct wr *out)
{
	struct skb	 b;

	out->len = 0;
	if (sa->state != SA_ESTABLISHED || !sa->mobike || sa->keys.e_len == 0)
		return IKE_EINVAL;
	c->msgid = *ike_sa_own_msgid(sa);
	rand_bytes(c->cookie2, sizeof(c->cookie2));
	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&b.w, 0, NULL, 0, IKEV2_N_COOKIE2, c->cookie2,
	    sizeof(c->cookie2));
	return skb_seal(sa, &b, IKEV2_EXCH_INFORMATIONAL, false, c->msgid, out);
}

enum ike_err
mobike_check_consume(struct ike_sa *sa, const struct mobike_check *c,
    struct rd in)
{
	struct mnotes	 n;

	return answer_open(sa, c->msgid, c->cookie2, in, &n);
}

/* answer writes the answer to the MOBIKE request of notifies n, received
 * on path p, and moves the peer's counter; r filled. */
static enum ike_err
answer(struct ike_sa *sa, const struct mnotes *n, const struct mobike_path *p,
    bool fake_natd, struct wr *out, struct mobike_req *r)
{
	struct skb	 b;
	enum ike_err	 e;

	r->mobike = true;
	r->update = n->update;
	r->natd = n->has_s || n->has_d;
	if ((e = check_natd(sa, p, n, &r->nat_local, &r->nat_remote)) !=
	    IKE_OK)
		return e;
	r->nat_local |= fake_natd;
	skb_init(&b);
	if (r->natd && (e = put_natd(sa, p, fake_natd, &b)) != IKE_OK) {
		wipe(b.buf, sizeof(b.buf));
		return e;
	}
	if (n->has_cookie2) {
		chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
		notify_put(&b.w, 0, NULL, 0, IKEV2_N_COOKIE2, n->cookie2,
		    n->cookie2_len);
	}
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_INFORMATIONAL, true,
	    *ike_sa_peer_msgid(sa), out)) != IKE_OK)
		return e;
	(*ike_sa_peer_msgid(sa))++;
	return IKE_OK;
}

/* invalid answers an authentic request whose notifies are malformed with
 * SK{ N(INVALID_SYNTAX) } (RFC 7296 3.10.1): IKE_ESYNTAX once answered. */
static enum ike_err
invalid(struct ike_sa *sa, struct wr *out, struct mobike_req *r)
{
	struct skb	 b;
	enum ike_err	 e;

	skb_init(&b);
	chain_open(&b.c, IKEV2_PAYLOAD_NOTIFY, false);
	notify_put(&b.w, 0, NULL, 0, IKEV2_N_INVALID_SYNTAX, NULL, 0);
	if ((e = skb_seal(sa, &b, IKEV2_EXCH_INFORMATIONAL, true,
	    *ike_sa_peer_msgid(sa), out)) != IKE_OK)
		return e;
	(*ike_sa_peer_msgid(sa))++;
	r->mobike = r->invalid = true;
	return IKE_ESYNTAX;
}

/* respond_any answers the peer's INFORMATIONAL request in: as MOBIKE, or
 * (req not NULL) as info_answer does, or (req NULL) not at all. */
static enum ike_err
respond_any(struct ike_sa *sa, struct rd in, const struct mobike_path *p,
    bool fake_natd, struct wr *out, struct mobike_req *r, struct info_req *req,
    const struct child_pair *pairs, size_t n_pairs)
{
	uint8_t		 pt[XCHG_OUT_MAX];
	struct mnotes	 n;
	size_t		 pt_len = 0;
	uint8_t		 first = 0;
	enum ike_err	 e;

	out->len = 0;
	memset(r, 0, sizeof(*r));
	if (req != NULL)
		memset(req, 0, sizeof(*req));
	if (sa->state != SA_ESTABLISHED || (req == NULL && !sa->mobike))
		return IKE_EINVAL;
	if ((e = info_open(sa, in, false, *ike_sa_peer_msgid(sa), pt,
	    sizeof(pt), &pt_len, &first)) != IKE_OK)
		goto done;
	/* authentic and the peer's next request: answered, whatever it is */
	if (sa->mobike && scan(pt, pt_len, first, &n) != IKE_OK)
		e = invalid(sa, out, r);
	else if (sa->mobike && n.any)
		e = answer(sa, &n, p, fake_natd, out, r);
	else if (req != NULL)
		e = info_answer(sa, pt, pt_len, first, out, req, pairs,
		    n_pairs);
done:
	if (e != IKE_OK && !r->invalid)
		memset(r, 0, sizeof(*r));
	pt_wipe(pt, sizeof(pt), in.len);
	return e;
}

enum ike_err
mobike_respond(struct ike_sa *sa, struct rd in, const struct mobike_path *p,
    bool fake_natd, struct wr *out, struct mobike_req *r)
{
	return respond_any(sa, in, p, fake_natd, out, r, NULL, NULL, 0);
}

enum ike_err
mobike_info_respond(struct ike_sa *sa, struct rd in,
    const struct mobike_path *p, bool fake_natd, struct wr *out,
    struct mobike_req *r, struct info_req *req,
    const struct child_pair *pairs, size_t n_pairs)
{
	return respond_any(sa, in, p, fake_natd, out, r, req, pairs, n_pairs);
}

/* hostport writes "ADDR:PORT" ("[ADDR]:PORT" for IPv6), or "ADDR" when
 * port is 0, as ike-state(5) has them. */
static void
hostport(int af, const uint8_t *a, uint16_t port, char *out, size_t n)
{
	char	 s[INET6_ADDRSTRLEN];

	if (inet_ntop(af, a, s, sizeof(s)) == NULL)
		s[0] = '\0';
	if (port == 0)
		snprintf(out, n, "%s", s);
	else
		snprintf(out, n, af == AF_INET6 ? "[%s]:%u" : "%s:%u", s, port);
}

enum ike_err
mobike_record(struct sd_lock *l, const struct mobike_path *p, bool nat,
    const char *const *drop)
{
	struct kvbuf	 b;
	struct dirent	*d;
	DIR		*dir;
	char		 a[64], file[SD_NAME_MAX + 16];
	size_t		 len;
	int		 fd;
	enum ike_err	 e;

	kv_init(&b);
	hostport(p->af, p->local, p->lport, a, sizeof(a));
	kv_str(&b, "local", a);
	hostport(p->af, p->remote, p->rport, a, sizeof(a));
	kv_str(&b, "remote", a);
	kv_str(&b, "nat", nat ? "yes" : "no");
	if ((e = sd_update(l, "ike.sa", &b, drop)) != IKE_OK)
		return e;
	/* the Child SAs' endpoints (addresses only) follow */
	kv_init(&b);
	hostport(p->af, p->local, 0, a, sizeof(a));
	kv_str(&b, "local", a);
	hostport(p->af, p->remote, 0, a, sizeof(a));
	kv_str(&b, "remote", a);
	if ((fd = dup(l->dirfd)) < 0)
		return IKE_EIO;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return IKE_EIO;
	}
	rewinddir(dir);
	while (e == IKE_OK && (d = readdir(dir)) != NULL) {
		len = strlen(d->d_name);
		if (len < 10 || len >= sizeof(file) ||
		    fnmatch("child.*.sa", d->d_name, FNM_PERIOD) != 0)
			continue;
		snprintf(file, sizeof(file), "%s", d->d_name);
		e = sd_update(l, file, &b, NULL);
	}
	closedir(dir);
	return e;
}
