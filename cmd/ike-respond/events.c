/* SPDX-License-Identifier: ISC */
/* What ike-respond writes about peers: events on stdout (text or JSON) and the -v trace, each under a budget where a peer can make it write at will. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "exchange/cp.h"
#include "io/net.h"
#include "respond.h"

enum {
	TRACE_PER_SEC	= 100,		/* -v lines about peers' messages */
	REFUSED_PER_SEC	= 10,		/* refused events of IKE_SA_INIT */
};

/* A budget of lines a second for what anyone can make us write by sending
 * datagrams: past it lines are only counted. */
struct budget {
	int64_t		 since, told;	/* this second's start, last report */
	unsigned long	 n, lost;
};

static struct budget	 trace_budget, refused_budget;

/* budget_take tells whether one more line fits b's budget of per_sec this
 * second (counting it as left out if not). */
static bool
budget_take(struct budget *b, unsigned long per_sec)
{
	if (net_now_ms() - b->since >= 1000) {
		b->since = net_now_ms();
		b->n = 0;
	}
	if (b->n++ < per_sec)
		return true;
	b->lost++;
	return false;
}

/* budget_over returns how many lines b left out since it last said so, at
 * most once a second (and forgets them), else 0. */
static unsigned long
budget_over(struct budget *b)
{
	unsigned long	 lost = b->lost;

	if (lost == 0 || net_now_ms() - b->told < 1000)
		return 0;
	b->told = net_now_ms();
	b->lost = 0;
	return lost;
}

/* budgets_report says how many lines the budgets left out, at most once a
 * second (the loop calls it at least that often). */
void
budgets_report(void)
{
	unsigned long	 n;

	if ((n = budget_over(&trace_budget)) > 0)
		log_debug("%lu more lines about peers' messages not written", n);
	if ((n = budget_over(&refused_budget)) > 0)
		log_warn("%lu refusals of IKE_SA_INIT not written as events "
		    "(more than %d a second)", n, REFUSED_PER_SEC);
}

/* trace writes "ike-respond: WHO: what" at -v, for what a peer's datagram
 * made us do (mostly drop it), at most TRACE_PER_SEC lines a second. */
void
trace(const char *who, const char *fmt, ...)
{
	char		 msg[256];
	va_list		 ap;

	if (log_verbose() < 1 || !budget_take(&trace_budget, TRACE_PER_SEC))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_debug("%s: %s", who, msg);
}


/* event_x writes one line: text, or JSON with --json. */
void
event_x(struct srv *s, const struct slot *sl, const char *what,
    const struct ev *x)
{
	char	 peer[64], vip[2][64];
	bool	 up = strcmp(what, "established") == 0;
	int	 k;

	net_format_hostport(s->af, sl->peer, sl->pport, true, peer, sizeof(peer));
	for (k = 0; k < 2; k++)
		cp_addr_format(&sl->sa.vip.addr[k], vip[k], sizeof(vip[k]));
	if (s->o.json) {
		printf("{\"event\":\"%s\",\"name\":\"%s\",\"peer\":\"%s\","
		    "\"ispi\":\"%016llx\",\"rspi\":\"%016llx\"", what, sl->name,
		    peer, (unsigned long long)sl->sa.ispi,
		    (unsigned long long)sl->sa.rspi);
		if (x->child != NULL)
			printf(",\"child\":{\"name\":\"%08x\",\"spi_in\":"
			    "\"0x%08x\",\"spi_out\":\"0x%08x\"}", x->child->spi_in,
			    x->child->spi_in, x->child->spi_out);
		if (x->rekeys != NULL)
			printf(",\"rekeys\":{\"spi_in\":\"0x%08x\",\"spi_out\":"
			    "\"0x%08x\"}", x->rekeys->spi_in, x->rekeys->spi_out);
		if (x->old)
			printf(",\"old_ispi\":\"%016llx\",\"old_rspi\":\"%016llx\"",
			    (unsigned long long)x->old_ispi,
			    (unsigned long long)x->old_rspi);
		for (k = 0; up && k < 2; k++)
			if (vip[k][0] != '\0')
				printf(",\"vip%s\":\"%s\"", k ? "6" : "", vip[k]);
		if (x->detail != NULL)
			printf(",\"detail\":\"%s\"", x->detail);
		printf("}\n");
	} else {
		printf("%s %s peer %s ike %016llx/%016llx", what, sl->name, peer,
		    (unsigned long long)sl->sa.ispi,
		    (unsigned long long)sl->sa.rspi);
		if (x->child != NULL)
			printf(" child %08x/%08x", x->child->spi_in,
			    x->child->spi_out);
		if (x->rekeys != NULL)
			printf(" rekeys %08x/%08x", x->rekeys->spi_in,
			    x->rekeys->spi_out);
		if (x->old)
			printf(" old %016llx/%016llx",
			    (unsigned long long)x->old_ispi,
			    (unsigned long long)x->old_rspi);
		for (k = 0; up && k < 2; k++)
			if (vip[k][0] != '\0')
				printf(" vip %s", vip[k]);
		if (x->detail != NULL)
			printf(" %s", x->detail);
		printf("\n");
	}
}

/* event writes an event with at most a detail (established: the Child SA
 * of IKE_AUTH). */
void
event(struct srv *s, const struct slot *sl, const char *what, const char *extra)
{
	struct child_pair	 c = { sl->sa.child.spi_out,
	    sl->sa.child.spi_in };
	struct ev		 x = { NULL, NULL, false, 0, 0, extra };

	if (strcmp(what, "established") == 0)
		x.child = &c;
	event_x(s, sl, what, &x);
}

bool
event_refused_ok(void)
{
	return budget_take(&refused_budget, REFUSED_PER_SEC);
}
