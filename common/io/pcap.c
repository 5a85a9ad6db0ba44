/* SPDX-License-Identifier: ISC */
/* Reading packets from capture files and interfaces, and writing capture files, through libpcap. */
#include <sys/time.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "io/pkt.h"

enum {
	PCAP_SNAPLEN		= 65535,
	PCAP_LIVE_TIMEOUT_MS	= 250,
};

struct pkt_src {
	pcap_t			*p;
	int			 dlt;
	uint64_t		 frame;
	volatile sig_atomic_t	 stop;
	bool			 live;
	bool			 filtered;	/* prog is compiled */
	struct bpf_program	 prog;
};

struct pcapw {
	pcap_t		*p;
	pcap_dumper_t	*d;
};

/* setup checks the link type of a just-opened p and compiles the filter. A
 * live capture filters in the kernel; a file is filtered in pkt_next, so that
 * frame numbers count every packet of the file, as Wireshark's do. */
static enum ike_err
setup(struct pkt_src **out, pcap_t *p, bool live, const char *name,
    const char *bpf_filter, char *err, size_t errlen)
{
	struct pkt_src	*s;
	const char	*dltname;
	int		 dlt = pcap_datalink(p);

	if (!pkt_dlt_supported(dlt)) {
		if ((dltname = pcap_datalink_val_to_name(dlt)) != NULL)
			snprintf(err, errlen,
			    "%s: unsupported link type %s (%d)", name, dltname,
			    dlt);
		else
			snprintf(err, errlen, "%s: unsupported link type %d",
			    name, dlt);
		pcap_close(p);
		return IKE_EUNSUPP;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		pcap_close(p);
		return IKE_ENOMEM;
	}
	s->p = p;
	s->dlt = dlt;
	s->live = live;
	if (bpf_filter != NULL && bpf_filter[0] != '\0') {
		if (pcap_compile(p, &s->prog, bpf_filter, 1,
		    PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(err, errlen, "%s: filter: %s", name,
			    pcap_geterr(p));
			pkt_close(s);
			return IKE_EINVAL;
		}
		s->filtered = true;
		if (live && pcap_setfilter(p, &s->prog) != 0) {
			snprintf(err, errlen, "%s: filter: %s", name,
			    pcap_geterr(p));
			pkt_close(s);
			return IKE_EINVAL;
		}
	}
	*out = s;
	return IKE_OK;
}

enum ike_err
pkt_open_file(struct pkt_src **out, const char *path, const char *bpf_filter,
    char *err, size_t errlen)
{
	char	 ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t	*p;

	if ((p = pcap_open_offline(path, ebuf)) == NULL) {
		/* libpcap names the file when fopen fails, not otherwise */
		if (strncmp(ebuf, path, strlen(path)) == 0)
			snprintf(err, errlen, "%s", ebuf);
		else
			snprintf(err, errlen, "%s: %s", path, ebuf);
		return IKE_EIO;
	}
	return setup(out, p, false, path, bpf_filter, err, errlen);
}

enum ike_err
pkt_open_live(struct pkt_src **out, const char *ifname, const char *bpf_filter,
    char *err, size_t errlen)
{
	char	 ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t	*p;
	int	 rc;

	if ((p = pcap_create(ifname, ebuf)) == NULL) {
		snprintf(err, errlen, "%s: %s", ifname, ebuf);
		return IKE_EIO;
	}
	if (pcap_set_snaplen(p, PCAP_SNAPLEN) != 0 ||
	    pcap_set_promisc(p, 0) != 0 ||
	    pcap_set_timeout(p, PCAP_LIVE_TIMEOUT_MS) != 0 ||
	    pcap_set_immediate_mode(p, 1) != 0) {
		snprintf(err, errlen, "%s: %s", ifname, pcap_geterr(p));
		pcap_close(p);
		return IKE_EIO;
	}
	if ((rc = pcap_activate(p)) < 0) {
		if (rc == PCAP_ERROR && pcap_geterr(p)[0] != '\0')
			snprintf(err, errlen, "%s: %s", ifname, pcap_geterr(p));
		else
			snprintf(err, errlen, "%s: %s", ifname,
			    pcap_statustostr(rc));
		pcap_close(p);
		return IKE_EIO;
	}
	return setup(out, p, true, ifname, bpf_filter, err, errlen);
}

int
pkt_next(struct pkt_src *s, struct pkt *out, char *err, size_t errlen)
{
	struct pcap_pkthdr	*h;
	const u_char		*data;
	int			 rc;

	for (;;) {
		if (s->stop)
			return 0;
		rc = pcap_next_ex(s->p, &h, &data);
		if (rc == 1) {
			s->frame++;
			if (s->filtered && !s->live &&
			    pcap_offline_filter(&s->prog, h, data) == 0)
				continue;
			break;
		}
		if (rc == 0)		/* live capture timeout: try again */
			continue;
		if (rc == PCAP_ERROR_BREAK)
			return 0;
		snprintf(err, errlen, "%s", pcap_geterr(s->p));
		return -1;
	}
	pkt_frame(s->dlt, data, h->caplen, out);
	out->frame = s->frame;
	out->ts = h->ts;
	return 1;
}

int
pkt_dlt(const struct pkt_src *s)
{
	return s->dlt;
}

void
pkt_break(struct pkt_src *s)
{
	s->stop = 1;
	pcap_breakloop(s->p);
}

void
pkt_close(struct pkt_src *s)
{
	if (s == NULL)
		return;
	if (s->filtered)
		pcap_freecode(&s->prog);
	pcap_close(s->p);
	free(s);
}

enum ike_err
pcapw_open(struct pcapw **out, const char *path, int dlt)
{
	struct pcapw	*w;
	int		 saved;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return IKE_ENOMEM;
	if ((w->p = pcap_open_dead(dlt, PCAP_SNAPLEN)) == NULL) {
		free(w);
		errno = ENOMEM;
		return IKE_ENOMEM;
	}
	errno = 0;
	if ((w->d = pcap_dump_open(w->p, path)) == NULL) {
		saved = errno != 0 ? errno : EIO;
		pcap_close(w->p);
		free(w);
		errno = saved;
		return IKE_EIO;
	}
	*out = w;
	return IKE_OK;
}

enum ike_err
pcapw_write(struct pcapw *w, const struct timeval *ts, const uint8_t *frame,
    size_t len)
{
	struct pcap_pkthdr h;

	if (len > PCAP_SNAPLEN)
		return IKE_ETOOBIG;
	memset(&h, 0, sizeof(h));
	if (ts != NULL)
		h.ts = *ts;
	else
		gettimeofday(&h.ts, NULL);
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)w->d, &h, frame);
	return IKE_OK;
}

enum ike_err
pcapw_flush(struct pcapw *w)
{
	return pcap_dump_flush(w->d) == 0 ? IKE_OK : IKE_EIO;
}

enum ike_err
pcapw_close(struct pcapw *w)
{
	enum ike_err e = IKE_OK;

	if (w == NULL)
		return IKE_OK;
	if (pcap_dump_flush(w->d) != 0 || ferror(pcap_dump_file(w->d)))
		e = IKE_EIO;
	pcap_dump_close(w->d);
	pcap_close(w->p);
	free(w);
	return e;
}
