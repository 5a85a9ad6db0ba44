/* SPDX-License-Identifier: ISC */
/* ike-rekey --move-to: move the IKE SA to another address of ours (RFC 4555 MOBIKE), sent from that address itself. */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/exits.h"
#include "base/log.h"
#include "exchange/mobike.h"
#include "exchange/record.h"
#include "io/net.h"
#include "names/names.h"
#include "rekey.h"

enum { NATT_PORT = 4500 };		/* RFC 4555 3.3: MOBIKE runs on it */

/* The SA as the move needs it. */
struct move {
	struct sd	*sd;
	const char	*name;
	struct ike_sa	 sa;
	struct ike_sa_file f;
	struct mobike_update u;
	int		 af;
	uint8_t		 old_local[16];
	bool		 encap;		/* a Child SA is in UDP */
};

static bool
lock(struct move *m, struct sd_lock *l)
{
	return sa_lock(m->sd, m->name, l);
}

bool
each_child(struct sd_lock *l, bool (*fn)(struct sd_lock *, const char *,
    void *), void *arg)
{
	struct dirent	*d;
	DIR		*dir;
	char		 name[SD_NAME_MAX + 1];
	size_t		 len;
	int		 fd;
	bool		 ok = true;

	if ((fd = dup(l->dirfd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		log_warn("%s: %s", l->name, strerror(errno));
		return false;
	}
	rewinddir(dir);
	while (ok && (d = readdir(dir)) != NULL) {
		len = strlen(d->d_name);
		if (len < 10 || len - 9 > SD_NAME_MAX ||
		    strncmp(d->d_name, "child.", 6) != 0 ||
		    strcmp(d->d_name + len - 3, ".sa") != 0)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 9),
		    d->d_name + 6);
		ok = fn(l, name, arg);
	}
	closedir(dir);
	return ok;
}

static bool
child_kind(struct sd_lock *l, const char *name, void *arg)
{
	struct move		*m = arg;
	struct child_file	 c;

	if (!child_file_read(l, name, &c))
		return false;
	m->encap |= c.encap;
	return true;
}

/* prepare reads the SA under l and checks that it can move to addr. */
static int
prepare(struct move *m, struct sd_lock *l, int af, const uint8_t *addr)
{
	struct pending	 p;
	char		 err[512];
	uint16_t	 lport, rport;
	int		 af2 = 0;
	bool		 hp, stale = false;

	if (ike_sa_load(l, &m->sa, &m->f, err, sizeof(err)) != IKE_OK) {
		log_warn("%s", err);
		return EXIT_FAIL;
	}
	if (!net_parse_hostport(m->f.local, &m->af, m->old_local, &lport,
	    &hp) || !hp || !net_parse_hostport(m->f.remote, &af2,
	    m->u.path.remote, &rport, &hp) || !hp || af2 != m->af) {
		log_warn("%s/ike.sa: local, remote: not ADDRESS:PORT of one "
		    "family", m->name);
		return EXIT_FAIL;
	}
	if (!m->sa.mobike) {
		log_warn("%s: --move-to: the IKE SA has no MOBIKE (ike.sa has "
		    "no mobike=yes: one end did not send MOBIKE_SUPPORTED)",
		    m->name);
		return EXIT_FAIL;
	}
	if (af != m->af) {
		log_warn("%s: --move-to: not an address of the SA's family "
		    "(IPv%d)", m->name, m->af == AF_INET ? 4 : 6);
		return EXIT_FAIL;
	}
	if (pending_load(l, &m->sa, &p, &stale, err, sizeof(err)) != IKE_OK) {
		log_warn("%s", err);
		return EXIT_FAIL;
	}
	if (p.what != PENDING_NONE) {
		log_warn("%s: --move-to: an earlier run's request (message ID "
		    "%u) is still unanswered: let ike-rekey finish it first "
		    "(e.g. ike-rekey --child, or a rekey)", m->name, p.msgid);
		return EXIT_FAIL;
	}
	if (!each_child(l, child_kind, m))
		return EXIT_FAIL;
	m->u.path.af = af;
	memcpy(m->u.path.local, addr, sizeof(m->u.path.local));
	m->u.path.lport = NATT_PORT;
	/* RFC 4555 3.3: from port 500 on, to the peer's NAT-T port */
	m->u.path.rport = rport == 500 ? NATT_PORT : rport;
	/* the Child SAs keep their UDP encapsulation: the peer must go on
	 * seeing a NAT (strongSwan's encap = yes fakes it the same way) */
	m->u.fake_natd = m->encap;
	return EXIT_OK;
}

static enum ike_err
answer(void *arg, struct rd in)
{
	struct move	*m = arg;
	enum ike_err	 e;

	if ((e = mobike_update_consume(&m->sa, &m->u, in)) == IKE_EINTEG) {
		log_debug("an answer that does not decrypt: dropped");
		return IKE_ESYNTAX;
	}
	return e;
}

/* record writes the new path to ike.sa (and the Child SAs' endpoints),
 * dropping the journal: one atomic update of ike.sa under the lock. */
static int
record(struct move *m, struct sd_lock *l, char *local, char *remote,
    size_t n)
{
	net_format_hostport(m->af, m->u.path.local, m->u.path.lport, true,
	    local, n);
	net_format_hostport(m->af, m->u.path.remote, m->u.path.rport, true,
	    remote, n);
	if (mobike_record(l, &m->u.path, m->u.nat_local || m->u.nat_remote,
	    pending_keys) != IKE_OK) {
		log_warn("%s/ike.sa: %s", m->name, strerror(errno));
		return EXIT_LOCAL;
	}
	return EXIT_OK;
}

int
move_run(struct sd *sd, const char *dir, const char *name, const char *addr,
    int timeout, bool json)
{
	struct move	 m;
	struct sd_lock	 l;
	struct link	 k;
	struct pending	 p;
	struct kvbuf	 b;
	uint8_t		 a[16], req[XCHG_OUT_MAX];
	char		 path[4200], local[64], remote[64];
	struct wr	 w = wr_init(req, sizeof(req));
	int		 af, serial, dirfd, status;
	enum ike_err	 e = IKE_ETOOBIG;
	const char	*n;

	memset(&m, 0, sizeof(m));
	memset(&k, 0, sizeof(k));
	k.udp = k.unx = -1;
	m.sd = sd;
	m.name = name;
	memset(a, 0, sizeof(a));
	af = inet_pton(AF_INET, addr, a) == 1 ? AF_INET : AF_INET6;
	if (af == AF_INET6 && inet_pton(AF_INET6, addr, a) != 1)
		return EXIT_USAGE;	/* checked by the option parser */
	/* one request at a time on the SA, as every ike-rekey run */
	if ((dirfd = openat(sd->fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) < 0) {
		log_warn("%s: %s", name, errno == ENOENT ?
		    "no such SA in the state directory" : strerror(errno));
		return EXIT_LOCAL;
	}
	serial = sd_hold(dirfd, ".ike-rekey", LOCK_MS);
	close(dirfd);
	if (serial < 0) {
		log_warn("%s: %s", name, errno == EWOULDBLOCK ? "another "
		    "program has a request out on it" : strerror(errno));
		return EXIT_LOCAL;
	}
	if (!lock(&m, &l)) {
		close(serial);
		return EXIT_LOCAL;
	}
	status = prepare(&m, &l, af, a);
	/* the request leaves from the new address itself (RFC 4555 3.5:
	 * the peer takes the addresses of the request), on our own socket
	 * even beside esp-tun, whose socket is bound to the old one */
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (status == EXIT_OK && !link_open(&k, path, m.af, m.u.path.local,
	    m.u.path.lport, m.u.path.remote, m.u.path.rport, false)) {
		log_warn("%s: --move-to %s: cannot send from that address (is "
		    "it one of this host's?)", name, addr);
		status = EXIT_LOCAL;
	}
	if (status == EXIT_OK && ((e = mobike_update_create(&m.sa, &m.u, &w)) !=
	    IKE_OK || !pending_set(&p, PENDING_CHECK, m.u.msgid, 0, req,
	    w.len))) {
		log_warn("%s: INFORMATIONAL: %s", name, ike_strerror(e));
		status = EXIT_FAIL;
	}
	/* the message ID reserved and the request journaled before it goes */
	if (status == EXIT_OK && pending_save(&l, &p) != IKE_OK) {
		log_warn("%s/ike.sa: %s", name, strerror(errno));
		status = EXIT_LOCAL;
	}
	sd_unlock(&l);
	if (status != EXIT_OK)
		goto out;
	log_debug("%s: UPDATE_SA_ADDRESSES (message ID %u) from %s", name,
	    m.u.msgid, addr);
	e = link_exchange(&k, req, w.len, timeout * 1000, answer, &m);
	if (e == IKE_ETIMEOUT) {
		/* journaled: the next program sends it again (from the old
		 * address, where ike.sa still has the SA) */
		log_warn("%s: INFORMATIONAL: no answer within %d s", name,
		    timeout);
		status = EXIT_TIMEOUT;
		goto out;
	}
	if (!lock(&m, &l)) {
		status = EXIT_LOCAL;
		goto out;
	}
	if (e == IKE_OK)
		status = record(&m, &l, local, remote, sizeof(local));
	else {
		kv_init(&b);		/* answered: the journal goes */
		if (e != IKE_EIO && sd_update(&l, "ike.sa", &b, pending_keys) !=
		    IKE_OK)
			log_warn("%s/ike.sa: %s", name, strerror(errno));
		n = ikev2_notify_name(m.sa.peer_notify);
		if (e == IKE_EREFUSED && n != NULL)
			log_warn("%s: UPDATE_SA_ADDRESSES: peer sent %s", name, n);
		else if (e == IKE_EREFUSED)
			log_warn("%s: UPDATE_SA_ADDRESSES: peer sent Notify %u",
			    name, m.sa.peer_notify);
		else if (e == IKE_EPROTO)
			log_warn("%s: UPDATE_SA_ADDRESSES: the answer does not "
			    "echo our COOKIE2", name);
		else
			log_warn("%s: UPDATE_SA_ADDRESSES: %s", name,
			    e == IKE_EIO ? strerror(errno) : ike_strerror(e));
		status = e == IKE_EREFUSED ? EXIT_REFUSED : e == IKE_EIO ?
		    EXIT_LOCAL : EXIT_FAIL;
	}
	sd_unlock(&l);
	if (status == EXIT_OK && json)
		printf("{\"event\":\"moved\",\"name\":\"%s\",\"local\":\"%s\","
		    "\"remote\":\"%s\",\"nat\":%s}\n", name, local, remote,
		    m.u.nat_local || m.u.nat_remote ? "true" : "false");
	else if (status == EXIT_OK)
		printf("%s\n", local);
	fflush(stdout);
out:
	link_close(&k);
	close(serial);
	ike_sa_wipe(&m.sa);
	return status;
}
