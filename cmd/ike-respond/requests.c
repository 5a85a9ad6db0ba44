/* SPDX-License-Identifier: ISC */
/* The peer's requests on an established IKE SA: INFORMATIONAL (liveness checks, Deletes, MOBIKE) and CREATE_CHILD_SA (new or rekeyed Child SAs, rekeys of the IKE SA). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "crypto/secret.h"
#include "exchange/collide.h"
#include "exchange/mobike.h"
#include "names/ikev2.h"
#include "respond.h"

/* children_gone forgets the Child SAs whose outbound SPIs the peer's
 * Delete names (answered with out, len bytes), with their files. */
static void
children_gone(struct srv *s, struct slot *sl, const struct info_req *req,
    const uint8_t *out, size_t len)
{
	struct child_pair	 was[SLOT_CHILD_MAX];
	struct ev		 x = { NULL, NULL, false, 0, 0, NULL };
	uint32_t		 gone[SLOT_CHILD_MAX];
	char			 name[16];
	bool			 named = false;
	size_t			 i, k = 0, n = 0;

	while (k < sl->n_kids) {
		for (i = 0; i < req->n_del &&
		    req->del_spi[i] != sl->kids[k].spi_out; i++)
			;
		if (i == req->n_del) {
			k++;
			continue;
		}
		was[n] = sl->kids[k];
		gone[n++] = sl->kids[k].spi_in;
		snprintf(name, sizeof(name), "%08x", sl->kids[k].spi_in);
		named |= strcmp(name, sl->child_name) == 0;
		sl->kids[k] = sl->kids[--sl->n_kids];
	}
	drop_children(s, sl, gone, n, named, out, len);
	if (named) {			/* ike.sa's child= is gone */
		sl->child_name[0] = '\0';
		wipe(&sl->sa.child, sizeof(sl->sa.child));
	}
	for (i = 0; i < n; i++) {
		x.child = &was[i];
		event_x(s, sl, "deleted-child", &x);
	}
}

/* on_info answers an INFORMATIONAL request, decrypted once: with MOBIKE
 * (RFC 4555) its notifies first; true when it verified (the counter
 * moved). */
bool
on_info(struct srv *s, struct slot *sl, struct rd in)
{
	static uint8_t		 obuf[XCHG_OUT_MAX];
	struct wr		 out = wr_init(obuf, sizeof(obuf));
	struct info_req		 req;
	struct mobike_path	 p;
	struct mobike_req	 r;
	enum ike_err		 e;

	memset(&r, 0, sizeof(r));
	if (sl->sa.mobike && !sl->rekeyed) {
		memset(&p, 0, sizeof(p));
		p.af = s->af;
		memcpy(p.local, s->local, sizeof(p.local));
		memcpy(p.remote, sl->peer, sizeof(p.remote));
		p.lport = s->lport[sl->sock];
		p.rport = sl->pport;
		e = mobike_info_respond(&sl->sa, in, &p, false, &out, &r, &req,
		    sl->kids, sl->n_kids);
	} else
		e = info_respond_pairs(&sl->sa, in, &out, &req, sl->kids,
		    sl->n_kids);
	if (e != IKE_OK && r.invalid && out.len > 0) {
		/* authentic, malformed: answered, nothing else done */
		respond(s, sl, &out);
		trace(sl->name, "INFORMATIONAL refused: INVALID_SYNTAX");
		event(s, sl, "refused", "INVALID_SYNTAX");
		came.keep = true;	/* the SA stays where it was */
		return true;
	}
	if (e != IKE_OK) {
		s->cnt.dropped++;
		trace(sl->name, "INFORMATIONAL%s dropped: %s", sl->sa.mobike &&
		    !sl->rekeyed ? " (MOBIKE)" : "", ike_strerror(e));
		return false;
	}
	respond(s, sl, &out);
	if (r.mobike) {
		on_moved(s, sl, &p, &r);
		return true;
	}
	if (sl->rekeyed) {
		/* the IKE SA a rekey replaced (RFC 7296 2.18): its Delete
		 * ends it; nothing of it is in the state directory */
		if (req.delete_ike) {
			log_debug("%s: IKE SA %016llx/%016llx, rekeyed, deleted",
			    sl->name, (unsigned long long)sl->sa.ispi,
			    (unsigned long long)sl->sa.rspi);
			if (sl->heir != NULL)
				sl->heir->old = NULL;
			sl->heir = NULL;
			table_unlink(&s->tab, sl);
			writer_drop(s, sl);	/* freed by flushed() */
		}
		return true;
	}
	if (req.delete_ike) {
		table_unlink(&s->tab, sl);	/* gone for the peer now */
		writer_drop(s, sl);		/* freed by flushed() */
	} else if (req.child_gone)
		children_gone(s, sl, &req, out.buf, out.len);
	else if (req.empty)
		event(s, sl, "dpd", NULL);
	else
		event(s, sl, "informational", NULL);
	return true;
}

/* refusal names the Notify that ccsa_respond's error e was answered with. */
static const char *
refusal(enum ike_err e)
{
	switch (e) {
	case IKE_ENOPROP:	return "NO_PROPOSAL_CHOSEN";
	case IKE_ETS:		return "TS_UNACCEPTABLE";
	case IKE_EBADKE:	return "INVALID_KE_PAYLOAD";
	case IKE_ENOKEY:	return "CHILD_SA_NOT_FOUND";
	case IKE_EUNSUPP:	return "NO_ADDITIONAL_SAS";
	case IKE_ESYNTAX:	return "INVALID_SYNTAX";
	default:		return ike_strerror(e);
	}
}

/* child_up records the Child SA the peer made (a rekey of one of ours when
 * c->rekey_spi is set) and sends the answer out; false (nothing sent, the
 * counter back at msgid) when its file could not be written. */
static bool
child_up(struct srv *s, struct slot *sl, const struct ccsa *c,
    const struct wr *out, uint32_t msgid)
{
	static struct ike_sa	 tmp;
	struct child_pair	 p = { c->child.spi_out, c->child.spi_in }, was;
	struct ev		 x = { &p, NULL, false, 0, 0, NULL };
	char			 name[16], old[16];
	size_t			 k;
	bool			 named = false;

	for (k = 0; c->rekey_spi != 0 && k < sl->n_kids; k++)
		if (sl->kids[k].spi_out == c->rekey_spi) {
			was = sl->kids[k];
			x.rekeys = &was;
			snprintf(old, sizeof(old), "%08x", was.spi_in);
		}
	snprintf(name, sizeof(name), "%08x", c->child.spi_in);
	if (!save_child(s, sl, c, name, x.rekeys != NULL ? old : NULL,
	    &named, out->buf, out->len)) {
		/* unanswered: the peer sends it again */
		sl->sa.msgid = msgid;
		s->cnt.dropped++;
		return false;
	}
	/* the Child SA it rekeys stays until the peer's Delete of it */
	sl->kids[sl->n_kids++] = p;
	if (named) {			/* now ike.sa's child= */
		snprintf(sl->child_name, sizeof(sl->child_name), "%s", name);
		wipe(&sl->sa.child, sizeof(sl->sa.child));
		sl->sa.child = c->child;
	}
	respond(s, sl, out);
	if (s->o.keys_out != NULL) {
		tmp = sl->sa;		/* a view: only its keys are read */
		tmp.child = c->child;
		save_keys_of(s, sl, &tmp);
		wipe(&tmp, sizeof(tmp));
	}
	event_x(s, sl, "child-up", &x);
	return true;
}

/* ike_rekeyed moves sl to the IKE SA nsa that the peer made by rekeying
 * sl's (RFC 7296 2.18), with its Child SAs and lease, and puts the old one
 * in old, a slot of its own that answers the peer until its Delete, and
 * which keeps the answer out for retransmissions. false (nothing sent, the
 * counter back at msgid) when ike.sa could not be written. */
static bool
ike_rekeyed(struct srv *s, struct slot *sl, struct slot *old,
    struct ike_sa *nsa, const struct wr *out, uint32_t msgid)
{
	static struct ike_sa	 tmp;
	struct ev		 x = { NULL, NULL, true, sl->sa.ispi, sl->sa.rspi,
	    NULL };

	nsa->local_id = sl->sa.local_id;
	nsa->peer_id = sl->sa.peer_id;
	nsa->nat_local = sl->sa.nat_local;
	nsa->nat_remote = sl->sa.nat_remote;
	nsa->peer_frag = sl->sa.peer_frag;
	nsa->peer_hash_algs = sl->sa.peer_hash_algs;
	nsa->vip = sl->sa.vip;
	nsa->child = sl->sa.child;
	if (!save_ike_rekey(s, sl, nsa)) {
		/* unanswered: the peer sends it again */
		sl->sa.msgid = msgid;
		s->cnt.dropped++;
		return false;
	}
	if (sl->old != NULL)	/* rekeyed before, not deleted: stale */
		free_slot(s, sl->old);
	table_unlink(&s->tab, sl);
	old->sa = sl->sa;
	memset(&old->sa.vip, 0, sizeof(old->sa.vip));	/* moved */
	wipe(&old->sa.child, sizeof(old->sa.child));
	old->rekeyed = true;
	memcpy(old->peer, sl->peer, sizeof(old->peer));
	old->pport = sl->pport;
	old->sock = sl->sock;
	old->born_ms = net_now_ms();
	memcpy(old->name, sl->name, sizeof(old->name));
	old->heir = sl;
	sl->old = old;
	table_link(&s->tab, old);
	respond(s, old, out);		/* an answer on the old IKE SA */
	sl->sa = *nsa;
	ike_sa_init(nsa, ROLE_RESPONDER);	/* sl has its pointers now */
	free(sl->last);
	sl->last = NULL;
	sl->last_len = 0;
	table_link(&s->tab, sl);
	if (s->o.keys_out != NULL) {
		tmp = sl->sa;		/* a view: the IKE SA's line only */
		tmp.child.spi_in = 0;
		save_keys_of(s, sl, &tmp);
		wipe(&tmp, sizeof(tmp));
	}
	event_x(s, sl, "ike-rekeyed", &x);
	return true;
}

/* crossing answers into out TEMPORARY_FAILURE to the peer's
 * CREATE_CHILD_SA in when it crosses a request of ours journaled in
 * ike.sa (an ike-rekey at work, RFC 7296 2.25), as esp-tun does; false
 * when it is answered as usual. */
static bool
crossing(struct srv *s, struct slot *sl, struct rd in, struct wr *out)
{
	struct sd_lock		 l;
	enum pending_what	 ours;
	uint16_t		 refusal;

	if (!sl->saved ||
	    sd_lock_sa_timeout(&s->sd, sl->name, false, 1000, &l) != IKE_OK)
		return false;
	refusal = collide_crossing(&l, &sl->sa, in, sl->kids, sl->n_kids,
	    &ours);
	sd_unlock(&l);
	return refusal != 0 && collide_refuse(&sl->sa, refusal, out) ==
	    IKE_OK;
}

/* on_ccsa answers the peer's CREATE_CHILD_SA (RFC 7296 1.3): a new Child
 * SA within --ts (and the peer's address from --pool, if it has one), a
 * rekey of one of ours (with PFS when it sends a KE), or a rekey of the
 * IKE SA; true when the request verified (the counter moved). */
bool
on_ccsa(struct srv *s, struct slot *sl, struct rd in)
{
	static uint8_t		 obuf[XCHG_OUT_MAX];
	static struct ike_sa	 nsa;
	static struct ccsa	 c;
	struct wr		 out = wr_init(obuf, sizeof(obuf));
	struct ts_pld		 vip_ts;
	struct ccsa_policy	 pol = { &s->cfg.esp, &s->cfg.ts_local,
	    &s->cfg.ts_remote, sl->kids, sl->n_kids, &nsa };
	struct slot		*old;
	uint32_t		 msgid = sl->sa.msgid;
	bool			 ok = true;
	enum ike_err		 e;

	if (sl->n_kids >= SLOT_CHILD_MAX) {
		/* no room for one more, not even for a rekey */
		e = info_refuse(&sl->sa, in, IKEV2_N_NO_ADDITIONAL_SAS, &out);
		if (out.len == 0) {
			s->cnt.dropped++;
			trace(sl->name, "CREATE_CHILD_SA dropped: %s",
			    ike_strerror(e));
			return false;
		}
		respond(s, sl, &out);
		trace(sl->name, "CREATE_CHILD_SA refused: NO_ADDITIONAL_SAS: "
		    "%zu Child SAs", sl->n_kids);
		event(s, sl, "refused", "NO_ADDITIONAL_SAS");
		return true;
	}
	if (crossing(s, sl, in, &out)) {
		respond(s, sl, &out);
		trace(sl->name, "CREATE_CHILD_SA refused: TEMPORARY_FAILURE: "
		    "it crosses our request");
		event(s, sl, "refused", "TEMPORARY_FAILURE");
		return true;
	}
	if (sl->sa.vip.addr[0].fam != 0 || sl->sa.vip.addr[1].fam != 0) {
		cp_vip_ts(&sl->sa.vip, &vip_ts);	/* as in IKE_AUTH */
		pol.ts_remote = &vip_ts;
	}
	/* a rekey of the IKE SA needs a slot for the old one */
	if ((old = table_new(&s->tab)) == NULL)
		pol.new_ike = NULL;	/* refused: NO_ADDITIONAL_SAS */
	ike_sa_init(&nsa, ROLE_RESPONDER);
	e = ccsa_respond(&sl->sa, &pol, in, &out, &c);
	if (out.len == 0) {
		s->cnt.dropped++;
		trace(sl->name, "CREATE_CHILD_SA dropped: %s", ike_strerror(e));
		ok = false;
	} else if (e != IKE_OK) {
		respond(s, sl, &out);
		trace(sl->name, "CREATE_CHILD_SA refused: %s", refusal(e));
		event(s, sl, "refused", refusal(e));
	} else if (c.ike_rekeyed) {
		if ((ok = ike_rekeyed(s, sl, old, &nsa, &out, msgid)))
			old = NULL;		/* taken */
	} else
		ok = child_up(s, sl, &c, &out, msgid);
	if (old != NULL)
		table_remove(&s->tab, old);
	ccsa_wipe(&c);
	ike_sa_wipe(&nsa);
	return ok;
}

