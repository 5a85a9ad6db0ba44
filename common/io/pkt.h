/* SPDX-License-Identifier: ISC */
/* Packets from captures: link-layer/IP/UDP decoding, libpcap reading and writing. */
#ifndef IKEKIT_IO_PKT_H
#define IKEKIT_IO_PKT_H

#include <sys/time.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "buf/buf.h"

enum {
	PKT_IKE_PORT		= 500,
	PKT_NATT_PORT		= 4500,
	PKT_NON_ESP_MARKER_LEN	= 4,
	PKT_ESP_HDR_LEN		= 8,	/* SPI and sequence number */
	PKT_IPPROTO_UDP		= 17,
	PKT_IPPROTO_ESP		= 50,
};

/* Link types as stored in capture files (LINKTYPE_*) where they differ from
 * the platform's DLT_* values; pkt_frame() accepts both. */
enum {
	PKT_LINKTYPE_RAW	= 101,
	PKT_LINKTYPE_IPV4	= 228,
	PKT_LINKTYPE_IPV6	= 229,
};

struct pkt {
	uint64_t	 frame;		/* 1-based */
	struct timeval	 ts;
	bool		 has_addr;	/* false for raw messages from stdin */
	int		 af;		/* AF_INET or AF_INET6 */
	uint8_t		 src[16], dst[16];
	uint16_t	 sport, dport;	/* 0 for raw ESP (IP proto 50) */
	uint8_t		 ipproto;	/* 17 or 50 (or whatever the IP header says) */
	enum pkt_kind {
		PKT_IKE,
		PKT_ESP,
		PKT_KEEPALIVE,
		PKT_OTHER,
		PKT_MALFORMED
	}		 kind;
	bool		 natt;		/* IKE after a non-ESP marker on 4500 */
	struct rd	 data;		/* IKE: the message from its header; ESP: from the SPI */
	const char	*why;		/* PKT_OTHER / PKT_MALFORMED: static "<where>: <why>" */
};

/* pkt_frame decodes one link-layer frame of link type dlt (a DLT_* or
 * LINKTYPE_* value) of caplen captured bytes into out. It sets every field
 * except frame and ts, which belong to the caller. It never fails: frames it
 * cannot classify are PKT_OTHER, frames shorter than their headers say are
 * PKT_MALFORMED, both with a static why. out->data points into frame, so it is
 * valid only as long as frame is. No allocation; no libpcap needed. */
void	 pkt_frame(int dlt, const uint8_t *frame, size_t caplen, struct pkt *out);

/* pkt_dlt_supported returns whether pkt_frame() knows link type dlt. */
bool	 pkt_dlt_supported(int dlt);

/* A source of packets: a capture file or a live interface (libpcap). */
struct pkt_src;

/* pkt_open_file opens a pcap or pcapng file (not "-": the caller handles
 * stdin) and, if bpf_filter is not NULL or empty, applies that filter. On
 * failure it returns IKE_EIO (cannot open or read), IKE_EUNSUPP (link type
 * unknown to pkt_frame) or IKE_EINVAL (bad filter) and writes a message that
 * starts with path into err. On success *out is to be closed with pkt_close. */
enum ike_err	 pkt_open_file(struct pkt_src **out, const char *path,
		    const char *bpf_filter, char *err, size_t errlen);

/* pkt_open_live starts capturing on ifname (snap length 65535, not
 * promiscuous, immediate delivery), with an optional filter; errors as for
 * pkt_open_file, with messages starting with ifname. */
enum ike_err	 pkt_open_live(struct pkt_src **out, const char *ifname,
		    const char *bpf_filter, char *err, size_t errlen);

/* pkt_next reads the next packet that passes the filter into out (see
 * pkt_frame; ts is the capture time). Frame numbers start at 1 and count
 * every packet of a file, filtered out or not, so they match Wireshark's;
 * a live capture counts the packets that pass the filter. out->data points
 * into libpcap's buffer and is valid until the next call. It returns 1 for a
 * packet, 0 at the end of the file (or after pkt_break), -1 on an error whose
 * message (libpcap's, e.g. "truncated dump file; tried to read 1500 captured
 * bytes, only got 200") is written to err. */
int	 pkt_next(struct pkt_src *s, struct pkt *out, char *err, size_t errlen);

/* pkt_dlt returns the source's link type. */
int	 pkt_dlt(const struct pkt_src *s);

/* pkt_break makes a pkt_next() in progress or the next one return 0; it is
 * safe to call from a signal handler (pcap_breakloop). */
void	 pkt_break(struct pkt_src *s);

/* pkt_close closes s; NULL is allowed. */
void	 pkt_close(struct pkt_src *s);

/* A capture file being written (pcap format, libpcap's pcap_dump). */
struct pcapw;

/* pcapw_open creates path (truncating it) as a pcap file of link type dlt
 * with snap length 65535. It returns IKE_EIO (errno set) if it cannot. */
enum ike_err	 pcapw_open(struct pcapw **out, const char *path, int dlt);

/* pcapw_write appends a frame of len bytes captured at ts (the current time
 * if ts is NULL). It returns IKE_ETOOBIG past 65535 bytes. */
enum ike_err	 pcapw_write(struct pcapw *w, const struct timeval *ts,
		    const uint8_t *frame, size_t len);

/* pcapw_flush writes out what w buffers, so that a reader of the file sees
 * every frame so far; IKE_EIO if that failed. */
enum ike_err	 pcapw_flush(struct pcapw *w);

/* pcapw_close flushes and closes w (NULL is allowed); it returns IKE_EIO if
 * a write failed at any point. */
enum ike_err	 pcapw_close(struct pcapw *w);

/* pkt_build_udp writes an IPv4 or IPv6 packet (a DLT_RAW frame) carrying a
 * UDP datagram from src:sport to dst:dport with len payload bytes, with the
 * IP and UDP lengths, the IPv4 header checksum and the UDP checksum filled
 * in. Addresses are 4 or 16 bytes in network order. It returns IKE_EINVAL for
 * an unknown af, IKE_ETOOBIG if the packet exceeds 65535 bytes or w's room. */
enum ike_err	 pkt_build_udp(struct wr *w, int af, const uint8_t *src,
		    const uint8_t *dst, uint16_t sport, uint16_t dport,
		    const uint8_t *payload, size_t len);

/* pkt_build_esp_raw writes an IPv4 or IPv6 packet of IP protocol 50 whose
 * payload is the len bytes at esp (from the SPI on); errors as above. */
enum ike_err	 pkt_build_esp_raw(struct wr *w, int af, const uint8_t *src,
		    const uint8_t *dst, const uint8_t *esp, size_t len);

#endif
