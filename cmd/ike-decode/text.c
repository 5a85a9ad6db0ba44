/* SPDX-License-Identifier: ISC */
/* The text printer: one summary line per packet, and with -v the payload tree. */
#include <sys/socket.h>

#include <string.h>

#include "codec/codec.h"
#include "names/names.h"
#include "decode.h"
#include "out.h"

enum { IND = 2 };	/* spaces per tree level */

static int	 verbose;

static void
name_or_num(const char *name, unsigned v)
{
	if (name != NULL)
		out_s(name);
	else
		out_u(v);
}

static void
indent(int level)
{
	for (int i = 0; i < level * IND; i++)
		out_c(' ');
}

static void
spi_hex(const uint8_t *p, size_t n)
{
	out_s("0x");
	out_hex(p, n);
}

static void
endpoint(int af, const uint8_t *a, uint16_t port, bool has_port)
{
	if (af == AF_INET6 && has_port) {
		out_c('[');
		out_ip6(a);
		out_c(']');
	} else {
		out_ip(af, a);
	}
	if (has_port) {
		out_c(':');
		out_u(port);
	}
}

static void
prefix(const struct opts *o, const struct pkt *pk)
{
	bool ports;

	if (!pk->has_addr)
		return;
	if (!o->no_time) {
		out_time_local(&pk->ts);
		out_c(' ');
	}
	ports = pk->ipproto == PKT_IPPROTO_UDP;
	endpoint(pk->af, pk->src, pk->sport, ports);
	out_s(" > ");
	endpoint(pk->af, pk->dst, pk->dport, ports);
	out_c(' ');
}

/* ---- the summary line ---- */

static void
pld_tag(const struct pld *p, uint16_t ntype)
{
	const char *name = pld_name(p->type);

	if (name == NULL) {
		out_c('#');
		out_u(p->type);
		return;
	}
	out_s(name);
	if (p->type == IKEV2_PAYLOAD_NOTIFY) {
		out_c('(');
		name_or_num(ikev2_notify_name(ntype), ntype);
		out_c(')');
	}
}

static void
pld_list(const struct pld *p, const uint16_t *ntype, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out_c(' ');
		pld_tag(&p[i], ntype[i]);
	}
}

static void
sk_tag(const struct dike *d, const struct pld *p)
{
	out_s(pld_name(p->type));
	if (p->type == IKEV2_PAYLOAD_SKF) {
		out_c('(');
		out_u(d->m.frag_num);
		out_c('/');
		out_u(d->m.frag_total);
		out_c(')');
	}
	if (d->sk.st == SK_OK) {
		out_c('{');
		pld_list(d->sk.in, d->sk.ntype, d->sk.n_in);
		out_s(" }");
	}
}

static void
sk_note(const struct dike *d)
{
	if (d->sk.st != SK_FAIL)
		return;
	out_s(" cannot decrypt: ");
	if (d->sk.err == IKE_ENOKEY) {
		out_s("no key for SPIs ");
		out_x(d->m.hdr.ispi, 16);
		out_c('/');
		out_x(d->m.hdr.rspi, 16);
	} else {
		out_s(sk_why(d->sk.err));
	}
}

static void
ike_line(const struct rec *r)
{
	const struct dike	*d = r->ike;
	const struct ike_hdr	*h = &d->m.hdr;

	if (ikev2_exchange_name(h->exch) != NULL)
		out_s(ikev2_exchange_name(h->exch));
	else {
		out_s("exchange ");
		out_u(h->exch);
	}
	out_s(h->flags & IKEV2_FLAG_INITIATOR ? " I" : " R");
	out_s(h->flags & IKEV2_FLAG_RESPONSE ? " response" : " request");
	out_s(" msgid ");
	out_u(h->msgid);
	out_s(" spi ");
	out_x(h->ispi, 16);
	out_c('/');
	out_x(h->rspi, 16);
	out_s(" [");
	for (size_t i = 0; i < d->n_ok; i++) {
		out_c(' ');
		if ((int)i == d->m.sk)
			sk_tag(d, &d->m.pld[i]);
		else
			pld_tag(&d->m.pld[i], d->ntype[i]);
	}
	out_s(" ]");
	if (d->m.sk >= 0 && (size_t)d->m.sk < d->n_ok)
		sk_note(d);
	if (d->malformed[0] != '\0') {
		out_s(" malformed: ");
		out_s(d->malformed);
	}
}

static const char *
ikev1_exch_name(uint8_t x)
{
	switch (x) {
	case 2:
		return "Main Mode";
	case 4:
		return "Aggressive Mode";
	case 5:
		return "Informational";
	case 32:
		return "Quick Mode";
	case 33:
		return "New Group Mode";
	}
	return NULL;
}

static void
ikev1_line(const struct rec *r)
{
	const struct ike_hdr *h = &r->ike->m.hdr;

	out_s("IKEv1 ");
	if (ikev1_exch_name(h->exch) != NULL)
		out_s(ikev1_exch_name(h->exch));
	else {
		out_s("exchange ");
		out_u(h->exch);
	}
	out_s(" msgid ");
	out_u(h->msgid);
	out_s(" spi ");
	out_x(h->ispi, 16);
	out_c('/');
	out_x(h->rspi, 16);
}

static const char *
icmp_name(uint8_t proto, uint8_t type)
{
	if (proto == 1) {
		switch (type) {
		case 0: return "echo reply";
		case 3: return "unreachable";
		case 8: return "echo request";
		case 11: return "time exceeded";
		}
	} else {
		switch (type) {
		case 1: return "unreachable";
		case 2: return "packet too big";
		case 3: return "time exceeded";
		case 128: return "echo request";
		case 129: return "echo reply";
		case 133: return "router solicitation";
		case 134: return "router advertisement";
		case 135: return "neighbor solicitation";
		case 136: return "neighbor advertisement";
		}
	}
	return NULL;
}

static const char *
proto_name(uint8_t p)
{
	switch (p) {
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 47: return "GRE";
	case 58: return "ICMPv6";
	case 132: return "SCTP";
	}
	return NULL;
}

static void
inner_summary(const struct dinner *in)
{
	int af = in->version == 6 ? AF_INET6 : AF_INET;

	out_s(" {");
	if (in->next_hdr == 59) {
		out_s(" dummy }");
		return;
	}
	if (in->version != 0) {
		out_c(' ');
		endpoint(af, in->src, in->sport, in->has_ports);
		out_s(" >");
		out_c(' ');
		endpoint(af, in->dst, in->dport, in->has_ports);
	}
	out_c(' ');
	if (proto_name(in->proto) != NULL)
		out_s(proto_name(in->proto));
	else {
		out_s("proto ");
		out_u(in->proto);
	}
	if (in->has_icmp) {
		const char *n = icmp_name(in->proto, in->icmp_type);

		out_c(' ');
		if (n != NULL)
			out_s(n);
		else {
			out_s("type ");
			out_u(in->icmp_type);
			out_s(" code ");
			out_u(in->icmp_code);
		}
	}
	if (in->version == 0 && in->has_ports) {	/* transport mode */
		out_s(" port ");
		out_u(in->sport);
		out_s(" > ");
		out_u(in->dport);
	}
	if (in->length != 0) {
		out_s(" length ");
		out_u(in->length);
	}
	if (in->bad != NULL) {
		out_s(" malformed: ");
		out_s(in->bad);
	}
	out_s(" }");
}

static void
esp_line(const struct rec *r)
{
	const struct desp *e = r->esp;

	out_s("ESP spi 0x");
	out_x(e->spi, 8);
	out_s(" seq ");
	out_u(e->seq);
	out_s(" length ");
	out_u(e->len);
	if (e->st == SK_OK)
		inner_summary(&e->in);
	else if (e->st == SK_FAIL) {
		out_s(" cannot decrypt: ");
		if (e->err == IKE_ENOKEY) {
			out_s("no key for SPI 0x");
			out_x(e->spi, 8);
		} else
			out_s(sk_why(e->err));
	}
}

/* ---- -v: the payload tree ---- */

static void tree(const struct pld *p, size_t n, const struct dike *d, int level);

static void
tree_sa(struct rd b, int level)
{
	static struct sa_pld sa;

	if (sa_pld_parse(&b, &sa) != IKE_OK)
		return;
	for (size_t i = 0; i < sa.n_props; i++) {
		const struct sa_prop *p = &sa.props[i];

		indent(level);
		out_s("proposal ");
		out_u(p->num);
		out_c(' ');
		name_or_num(ikev2_proto_name(p->proto), p->proto);
		if (p->spi_len > 0) {
			out_s(" spi ");
			spi_hex(p->spi, p->spi_len);
		}
		out_c('\n');
		for (size_t j = 0; j < p->n_xforms; j++) {
			const struct sa_xform *x = &p->xforms[j];

			indent(level + 1);
			name_or_num(ikev2_xform_type_name(x->type), x->type);
			out_c(' ');
			name_or_num(ikev2_xform_id_name(x->type, x->id), x->id);
			if (x->key_len != 0) {
				out_s(" keylen ");
				out_u(x->key_len);
			}
			out_c('\n');
		}
	}
}

static void
tree_id(struct rd b)
{
	struct id_pld	 id;
	char		 dn[DN_TEXT_MAX];

	if (id_parse(&b, &id) != IKE_OK)
		return;
	out_c(' ');
	name_or_num(ikev2_id_type_name(id.type), id.type);
	switch (id.type) {
	case IKEV2_ID_IPV4_ADDR:
		out_c(' ');
		out_ip4(id.data.p);
		break;
	case IKEV2_ID_IPV6_ADDR:
		out_c(' ');
		out_ip6(id.data.p);
		break;
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
		out_c(' ');
		out_printable(id.data.p, id.data.len);
		break;
	case IKEV2_ID_NULL:
		break;
	case IKEV2_ID_DER_ASN1_DN:
		if (dn_render(id.data.p, id.data.len, dn, sizeof(dn))) {
			out_c(' ');
			out_printable((const uint8_t *)dn, strlen(dn));
			break;
		}
		/* FALLTHROUGH */
	default:
		out_s(" length ");
		out_u(id.data.len);
		out_s(" 0x");
		out_hex(id.data.p, id.data.len);
		break;
	}
}

static void
tree_notify(struct rd b)
{
	struct notify_pld n;

	if (notify_parse(&b, &n) != IKE_OK)
		return;
	out_c(' ');
	name_or_num(ikev2_notify_name(n.type), n.type);
	if (n.proto != 0) {
		out_c(' ');
		name_or_num(ikev2_proto_name(n.proto), n.proto);
	}
	if (n.spi_len > 0) {
		out_s(" spi ");
		spi_hex(n.spi, n.spi_len);
	}
	if (n.type == IKEV2_N_INVALID_KE_PAYLOAD && n.data.len == 2) {
		unsigned g = (unsigned)n.data.p[0] << 8 | n.data.p[1];

		out_s(" group ");
		name_or_num(ikev2_dh_name(g), g);
	} else if (n.data.len > 0) {
		out_s(" data ");
		out_hex(n.data.p, n.data.len);
	}
}

static void
tree_delete(struct rd b)
{
	struct delete_pld	 d;
	struct rd		 s;

	if (delete_parse(&b, &d) != IKE_OK)
		return;
	out_c(' ');
	name_or_num(ikev2_proto_name(d.proto), d.proto);
	if (d.n_spi > 0 && d.spi_len > 0)
		out_s(" spi");
	s = d.spis;
	for (size_t i = 0; i < d.n_spi && d.spi_len > 0; i++) {
		struct rd one;

		if (!rd_split(&s, &one, d.spi_len))
			break;
		out_c(' ');
		spi_hex(one.p, one.len);
	}
}

static void
tree_ts(const char *name, struct rd b, int level)
{
	static struct ts_pld t;

	if (ts_parse(&b, &t) != IKE_OK)
		return;
	for (size_t i = 0; i < t.n_ts; i++) {
		const struct ts *s = &t.ts[i];
		int af = s->addr_len == 16 ? AF_INET6 : AF_INET;

		if (i > 0) {
			out_c('\n');
			indent(level);
			out_s(name);
		}
		out_c(' ');
		if (s->addr_len == 0) {
			name_or_num(ikev2_ts_type_name(s->type), s->type);
			continue;
		}
		out_ip(af, s->start);
		out_c('-');
		out_ip(af, s->end);
		out_s(" proto ");
		out_u(s->ipproto);
		out_s(" port ");
		out_u(s->start_port);
		out_c('-');
		out_u(s->end_port);
	}
}

static void
cp_value(uint16_t type, struct rd v)
{
	switch (type) {
	case IKEV2_CP_INTERNAL_IP4_ADDRESS:
	case IKEV2_CP_INTERNAL_IP4_NETMASK:
	case IKEV2_CP_INTERNAL_IP4_DNS:
	case IKEV2_CP_INTERNAL_IP4_NBNS:
	case IKEV2_CP_INTERNAL_IP4_DHCP:
	case IKEV2_CP_P_CSCF_IP4_ADDRESS:
		if (v.len == 4) {
			out_c(' ');
			out_ip4(v.p);
			return;
		}
		break;
	case IKEV2_CP_INTERNAL_IP4_SUBNET:
		if (v.len == 8) {
			out_c(' ');
			out_ip4(v.p);
			out_c('/');
			out_ip4(v.p + 4);
			return;
		}
		break;
	case IKEV2_CP_INTERNAL_IP6_ADDRESS:
	case IKEV2_CP_INTERNAL_IP6_SUBNET:
		if (v.len == 17) {
			out_c(' ');
			out_ip6(v.p);
			out_c('/');
			out_u(v.p[16]);
			return;
		}
		break;
	case IKEV2_CP_INTERNAL_IP6_DNS:
	case IKEV2_CP_INTERNAL_IP6_DHCP:
	case IKEV2_CP_P_CSCF_IP6_ADDRESS:
		if (v.len == 16) {
			out_c(' ');
			out_ip6(v.p);
			return;
		}
		break;
	case IKEV2_CP_APPLICATION_VERSION:
	case IKEV2_CP_INTERNAL_DNS_DOMAIN:
		if (v.len > 0) {
			out_c(' ');
			out_printable(v.p, v.len);
		}
		return;
	}
	if (v.len > 0) {
		out_s(" 0x");
		out_hex(v.p, v.len);
	}
}

static void
tree_cp(struct rd b, int level)
{
	static struct cp_pld cp;

	if (cp_parse(&b, &cp) != IKE_OK)
		return;
	out_c(' ');
	name_or_num(ikev2_cfg_type_name(cp.cfg_type), cp.cfg_type);
	for (size_t i = 0; i < cp.n_attrs; i++) {
		out_c('\n');
		indent(level + 1);
		name_or_num(ikev2_cp_attr_name(cp.attrs[i].type), cp.attrs[i].type);
		cp_value(cp.attrs[i].type, cp.attrs[i].value);
	}
}

static void
tree_eap(struct rd b)
{
	struct eap_pld e;

	if (eap_parse(&b, &e) != IKE_OK)
		return;
	out_c(' ');
	name_or_num(ikev2_eap_code_name(e.code), e.code);
	out_s(" id ");
	out_u(e.id);
	if (e.type != 0) {
		out_s(" type ");
		out_u(e.type);
	}
	out_s(" length ");
	out_u(e.len);
}

static void
tree_sk(const struct pld *p, const struct dike *d, int level)
{
	if (p->type == IKEV2_PAYLOAD_SKF) {
		out_s(" fragment ");
		out_u(d->m.frag_num);
		out_c('/');
		out_u(d->m.frag_total);
	}
	switch (d->sk.st) {
	case SK_NONE:
		out_s(" encrypted length ");
		out_u(d->m.sk_body.len);
		break;
	case SK_PART:
		out_s(" decrypted, waiting for the other fragments");
		break;
	case SK_FAIL:
		if (d->sk.err == IKE_ENOKEY)
			out_s(" cannot decrypt: no key for this SA");
		else {
			out_s(" cannot decrypt: ");
			out_s(sk_why(d->sk.err));
		}
		break;
	case SK_OK:
		out_s(d->sk.reassembled ? " reassembled and decrypted" : " decrypted");
		out_c('\n');
		tree(d->sk.in, d->sk.n_in, NULL, level + 1);
		return;
	}
	out_c('\n');
}

static void
tree_one(const struct pld *p, const struct dike *d, int level)
{
	struct rd	 b = p->body, v;
	struct ke_pld	 ke;
	struct cert_pld	 cert;
	struct auth_pld	 auth;

	indent(level);
	if (pld_name(p->type) != NULL)
		out_s(pld_name(p->type));
	else {
		out_c('#');
		out_u(p->type);
	}
	if (p->critical)
		out_s(" critical");
	switch (p->type) {
	case IKEV2_PAYLOAD_SA:
		out_c('\n');
		tree_sa(b, level + 1);
		return;
	case IKEV2_PAYLOAD_KE:
		if (ke_parse(&b, &ke) != IKE_OK)
			break;
		out_s(" group ");
		name_or_num(ikev2_dh_name(ke.group), ke.group);
		out_s(" length ");
		out_u(ke.data.len);
		if (verbose >= 2) {
			out_s(" data ");
			out_hex(ke.data.p, ke.data.len);
		}
		break;
	case IKEV2_PAYLOAD_IDI:
	case IKEV2_PAYLOAD_IDR:
		tree_id(b);
		break;
	case IKEV2_PAYLOAD_CERT:
	case IKEV2_PAYLOAD_CERTREQ:
		if ((p->type == IKEV2_PAYLOAD_CERT ? cert_parse(&b, &cert) :
		    certreq_parse(&b, &cert)) != IKE_OK)
			break;
		out_c(' ');
		name_or_num(ikev2_cert_encoding_name(cert.enc), cert.enc);
		out_s(" length ");
		out_u(cert.data.len);
		if (verbose >= 2 && cert.data.len > 0) {
			out_s(" data ");
			out_hex(cert.data.p, cert.data.len);
		}
		break;
	case IKEV2_PAYLOAD_AUTH:
		if (auth_parse(&b, &auth) != IKE_OK)
			break;
		out_c(' ');
		name_or_num(ikev2_auth_method_name(auth.method), auth.method);
		out_s(" length ");
		out_u(auth.data.len);
		break;
	case IKEV2_PAYLOAD_NONCE:
		if (nonce_parse(&b, &v) != IKE_OK)
			break;
		out_s(" length ");
		out_u(v.len);
		out_c(' ');
		out_hex(v.p, v.len);
		break;
	case IKEV2_PAYLOAD_NOTIFY:
		tree_notify(b);
		break;
	case IKEV2_PAYLOAD_DELETE:
		tree_delete(b);
		break;
	case IKEV2_PAYLOAD_VENDOR:
		if (vendor_parse(&b, &v) != IKE_OK)
			break;
		out_c(' ');
		out_hex(v.p, v.len);
		break;
	case IKEV2_PAYLOAD_TSI:
	case IKEV2_PAYLOAD_TSR:
		tree_ts(pld_name(p->type), b, level);
		break;
	case IKEV2_PAYLOAD_CP:
		tree_cp(b, level);
		break;
	case IKEV2_PAYLOAD_EAP:
		tree_eap(b);
		break;
	case IKEV2_PAYLOAD_SK:
	case IKEV2_PAYLOAD_SKF:
		if (d != NULL) {
			tree_sk(p, d, level);
			return;
		}
		break;
	default:
		out_s(" length ");
		out_u(b.len);
		if (verbose >= 2 && b.len > 0) {
			out_s(" data ");
			out_hex(b.p, b.len);
		}
		break;
	}
	out_c('\n');
}

/* tree prints payloads p[0..n) at level; d is the message for SK/SKF. */
static void
tree(const struct pld *p, size_t n, const struct dike *d, int level)
{
	for (size_t i = 0; i < n; i++)
		tree_one(&p[i], d, level);
}

void
text_print(const struct opts *o, const struct rec *r)
{
	verbose = o->verbose;
	prefix(o, r->pk);
	switch (r->kind) {
	case REC_IKE:
		ike_line(r);
		out_c('\n');
		if (o->verbose > 0)
			tree(r->ike->m.pld, r->ike->n_ok, r->ike, 1);
		return;
	case REC_IKEV1:
		ikev1_line(r);
		break;
	case REC_ESP:
		esp_line(r);
		break;
	case REC_KEEPALIVE:
		out_s("NAT-keepalive");
		break;
	case REC_MALFORMED:
		out_s("malformed: ");
		out_s(r->why);
		break;
	case REC_OTHER:
		out_s("other");
		if (r->why[0] != '\0') {
			out_s(": ");
			out_s(r->why);
		}
		break;
	}
	out_c('\n');
}
