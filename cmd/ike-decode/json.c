/* SPDX-License-Identifier: ISC */
/* The --json printer: one object per packet, as doc/decode-json.md specifies. */
#include <sys/socket.h>

#include <string.h>

#include "codec/codec.h"
#include "names/names.h"
#include "decode.h"
#include "out.h"

static int	 verbose;

/* Members are written as ,"key":value; the object's first member is written
 * by hand, so every helper can start with a comma. Keys are literals, so the
 * helpers are macros and each key is copied as one constant string. */
#define key(k)		out_s(",\"" k "\":")
#define kv_u(k, v)	do { key(k); out_u(v); } while (0)
#define kv_s(k, v)	do { key(k); out_jstrz(v); } while (0)
#define kv_b(k, v)	do { key(k); if (v) out_s("true"); else out_s("false"); } while (0)
/* kv_name writes "k":"name" when the registry has a name for the value. */
#define kv_name(k, name) do {						\
	const char *n_ = (name);					\
									\
	if (n_ != NULL)							\
		kv_s(k, n_);						\
} while (0)

#define kv_hex(k, p, n)	do { key(k); out_c('"'); out_hex(p, n); out_c('"'); } while (0)
#define kv_spi(k, p, n)	do { key(k); out_s("\"0x"); out_hex(p, n); out_c('"'); } while (0)
#define kv_ip(k, af, a)	do { key(k); out_c('"'); out_ip(af, a); out_c('"'); } while (0)
#define kv_x64(k, v)	do { key(k); out_c('"'); out_x(v, 16); out_c('"'); } while (0)

/* ---- -v payload fields ---- */

static void payloads(const struct pld *p, size_t n, const struct dike *d);

static void
f_sa(struct rd b)
{
	static struct sa_pld sa;

	if (sa_pld_parse(&b, &sa) != IKE_OK)
		return;
	key("proposals");
	out_c('[');
	for (size_t i = 0; i < sa.n_props; i++) {
		const struct sa_prop *p = &sa.props[i];

		out_s(i > 0 ? ",{\"num\":" : "{\"num\":");
		out_u(p->num);
		kv_u("protocol_id", p->proto);
		kv_name("protocol", ikev2_proto_name(p->proto));
		if (p->spi_len > 0)
			kv_spi("spi", p->spi, p->spi_len);
		key("transforms");
		out_c('[');
		for (size_t j = 0; j < p->n_xforms; j++) {
			const struct sa_xform *x = &p->xforms[j];

			out_s(j > 0 ? ",{\"type\":" : "{\"type\":");
			out_u(x->type);
			kv_name("type_name", ikev2_xform_type_name(x->type));
			kv_u("id", x->id);
			kv_name("name", ikev2_xform_id_name(x->type, x->id));
			if (x->key_len != 0)
				kv_u("keylen", x->key_len);
			out_c('}');
		}
		out_s("]}");
	}
	out_c(']');
}

static void
f_id(struct rd b)
{
	struct id_pld	 id;
	char		 dn[DN_TEXT_MAX];

	if (id_parse(&b, &id) != IKE_OK)
		return;
	kv_u("id_type", id.type);
	kv_name("id_type_name", ikev2_id_type_name(id.type));
	switch (id.type) {
	case IKEV2_ID_IPV4_ADDR:
		kv_ip("id", AF_INET, id.data.p);
		break;
	case IKEV2_ID_IPV6_ADDR:
		kv_ip("id", AF_INET6, id.data.p);
		break;
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
		key("id");
		out_jstr(id.data.p, id.data.len);
		break;
	case IKEV2_ID_NULL:
		break;
	case IKEV2_ID_DER_ASN1_DN:
		if (dn_render(id.data.p, id.data.len, dn, sizeof(dn))) {
			key("id");
			out_jstr(dn, strlen(dn));
			break;
		}
		/* FALLTHROUGH */
	default:
		kv_hex("id", id.data.p, id.data.len);
		break;
	}
}

static void
f_notify(struct rd b)
{
	struct notify_pld n;

	if (notify_parse(&b, &n) != IKE_OK)
		return;
	kv_u("notify_type", n.type);
	kv_name("notify", ikev2_notify_name(n.type));
	if (n.proto != 0) {
		kv_u("protocol_id", n.proto);
		kv_name("protocol", ikev2_proto_name(n.proto));
	}
	if (n.spi_len > 0)
		kv_spi("spi", n.spi, n.spi_len);
	if (n.data.len > 0)
		kv_hex("data", n.data.p, n.data.len);
}

static void
f_delete(struct rd b)
{
	struct delete_pld	 d;
	struct rd		 s, one;

	if (delete_parse(&b, &d) != IKE_OK)
		return;
	kv_u("protocol_id", d.proto);
	kv_name("protocol", ikev2_proto_name(d.proto));
	key("spis");
	out_c('[');
	s = d.spis;
	for (size_t i = 0; i < d.n_spi && d.spi_len > 0 && rd_split(&s, &one, d.spi_len);
	    i++) {
		if (i > 0)
			out_c(',');
		out_s("\"0x");
		out_hex(one.p, one.len);
		out_c('"');
	}
	out_c(']');
}

static void
f_ts(struct rd b)
{
	static struct ts_pld t;

	if (ts_parse(&b, &t) != IKE_OK)
		return;
	key("selectors");
	out_c('[');
	for (size_t i = 0; i < t.n_ts; i++) {
		const struct ts *s = &t.ts[i];
		int af = s->addr_len == 16 ? AF_INET6 : AF_INET;

		out_s(i > 0 ? ",{\"ts_type\":" : "{\"ts_type\":");
		out_u(s->type);
		kv_name("ts_type_name", ikev2_ts_type_name(s->type));
		if (s->addr_len != 0) {
			kv_u("ipproto", s->ipproto);
			kv_u("start_port", s->start_port);
			kv_u("end_port", s->end_port);
			kv_ip("start", af, s->start);
			kv_ip("end", af, s->end);
		}
		out_c('}');
	}
	out_c(']');
}

static void
cp_value(uint16_t type, struct rd v)
{
	if (v.len == 0)
		return;
	switch (type) {
	case IKEV2_CP_INTERNAL_IP4_ADDRESS:
	case IKEV2_CP_INTERNAL_IP4_NETMASK:
	case IKEV2_CP_INTERNAL_IP4_DNS:
	case IKEV2_CP_INTERNAL_IP4_NBNS:
	case IKEV2_CP_INTERNAL_IP4_DHCP:
	case IKEV2_CP_P_CSCF_IP4_ADDRESS:
		if (v.len == 4) {
			kv_ip("value", AF_INET, v.p);
			return;
		}
		break;
	case IKEV2_CP_INTERNAL_IP4_SUBNET:
		if (v.len == 8) {
			key("value");
			out_c('"');
			out_ip4(v.p);
			out_c('/');
			out_ip4(v.p + 4);
			out_c('"');
			return;
		}
		break;
	case IKEV2_CP_INTERNAL_IP6_ADDRESS:
	case IKEV2_CP_INTERNAL_IP6_SUBNET:
		if (v.len == 17) {
			key("value");
			out_c('"');
			out_ip6(v.p);
			out_c('/');
			out_u(v.p[16]);
			out_c('"');
			return;
		}
		break;
	case IKEV2_CP_INTERNAL_IP6_DNS:
	case IKEV2_CP_INTERNAL_IP6_DHCP:
	case IKEV2_CP_P_CSCF_IP6_ADDRESS:
		if (v.len == 16) {
			kv_ip("value", AF_INET6, v.p);
			return;
		}
		break;
	case IKEV2_CP_APPLICATION_VERSION:
	case IKEV2_CP_INTERNAL_DNS_DOMAIN:
		key("value");
		out_jstr(v.p, v.len);
		return;
	}
	kv_hex("value", v.p, v.len);
}

static void
f_cp(struct rd b)
{
	static struct cp_pld cp;

	if (cp_parse(&b, &cp) != IKE_OK)
		return;
	kv_u("cfg_type", cp.cfg_type);
	kv_name("cfg_type_name", ikev2_cfg_type_name(cp.cfg_type));
	key("attributes");
	out_c('[');
	for (size_t i = 0; i < cp.n_attrs; i++) {
		out_s(i > 0 ? ",{\"type\":" : "{\"type\":");
		out_u(cp.attrs[i].type);
		kv_name("name", ikev2_cp_attr_name(cp.attrs[i].type));
		cp_value(cp.attrs[i].type, cp.attrs[i].value);
		out_c('}');
	}
	out_c(']');
}

static void
f_sk(const struct pld *p, const struct dike *d)
{
	if (p->type == IKEV2_PAYLOAD_SKF) {
		kv_u("fragment", d->m.frag_num);
		kv_u("total", d->m.frag_total);
	}
	switch (d->sk.st) {
	case SK_OK:
		kv_b("decrypted", true);
		if (d->sk.reassembled)
			kv_b("reassembled", true);
		key("payloads");
		payloads(d->sk.in, d->sk.n_in, NULL);
		break;
	case SK_PART:
		kv_b("decrypted", true);
		break;
	case SK_NONE:
		kv_b("decrypted", false);
		kv_s("error", sk_why(IKE_ENOKEY));
		break;
	case SK_FAIL:
		kv_b("decrypted", false);
		kv_s("error", sk_why(d->sk.err));
		break;
	}
}

/* details writes the -v fields of payload p. */
static void
details(const struct pld *p)
{
	struct rd	 b = p->body, v;
	struct ke_pld	 ke;
	struct cert_pld	 cert;
	struct auth_pld	 auth;
	struct eap_pld	 eap;

	switch (p->type) {
	case IKEV2_PAYLOAD_SA:
		f_sa(b);
		break;
	case IKEV2_PAYLOAD_KE:
		if (ke_parse(&b, &ke) != IKE_OK)
			break;
		kv_u("group", ke.group);
		kv_name("group_name", ikev2_dh_name(ke.group));
		kv_u("data_length", ke.data.len);
		if (verbose >= 2)
			kv_hex("data", ke.data.p, ke.data.len);
		break;
	case IKEV2_PAYLOAD_IDI:
	case IKEV2_PAYLOAD_IDR:
		f_id(b);
		break;
	case IKEV2_PAYLOAD_CERT:
	case IKEV2_PAYLOAD_CERTREQ:
		if ((p->type == IKEV2_PAYLOAD_CERT ? cert_parse(&b, &cert) :
		    certreq_parse(&b, &cert)) != IKE_OK)
			break;
		kv_u("encoding", cert.enc);
		kv_name("encoding_name", ikev2_cert_encoding_name(cert.enc));
		kv_u("data_length", cert.data.len);
		if (verbose >= 2)
			kv_hex("data", cert.data.p, cert.data.len);
		break;
	case IKEV2_PAYLOAD_AUTH:
		if (auth_parse(&b, &auth) != IKE_OK)
			break;
		kv_u("method", auth.method);
		kv_name("method_name", ikev2_auth_method_name(auth.method));
		kv_u("data_length", auth.data.len);
		break;
	case IKEV2_PAYLOAD_NONCE:
		if (nonce_parse(&b, &v) != IKE_OK)
			break;
		kv_u("nonce_length", v.len);
		kv_hex("nonce", v.p, v.len);
		break;
	case IKEV2_PAYLOAD_NOTIFY:
		f_notify(b);
		break;
	case IKEV2_PAYLOAD_DELETE:
		f_delete(b);
		break;
	case IKEV2_PAYLOAD_VENDOR:
		if (vendor_parse(&b, &v) == IKE_OK)
			kv_hex("vendor_id", v.p, v.len);
		break;
	case IKEV2_PAYLOAD_TSI:
	case IKEV2_PAYLOAD_TSR:
		f_ts(b);
		break;
	case IKEV2_PAYLOAD_CP:
		f_cp(b);
		break;
	case IKEV2_PAYLOAD_EAP:
		if (eap_parse(&b, &eap) != IKE_OK)
			break;
		kv_u("code", eap.code);
		kv_name("code_name", ikev2_eap_code_name(eap.code));
		kv_u("id", eap.id);
		if (eap.type != 0)
			kv_u("eap_type", eap.type);
		kv_u("length", eap.len);
		break;
	default:
		kv_u("length", b.len);
		if (verbose >= 2)
			kv_hex("data", b.p, b.len);
		break;
	}
}

/* payloads writes the array of p[0..n); d is the message for SK/SKF. */
static void
payloads(const struct pld *p, size_t n, const struct dike *d)
{
	out_c('[');
	for (size_t i = 0; i < n; i++) {
		out_s(i > 0 ? ",{\"type\":" : "{\"type\":");
		out_u(p[i].type);
		kv_name("name", pld_name(p[i].type));
		if (p[i].critical)
			kv_b("critical", true);
		if (p[i].type == IKEV2_PAYLOAD_SK || p[i].type == IKEV2_PAYLOAD_SKF) {
			if (d != NULL)
				f_sk(&p[i], d);
		} else if (verbose > 0)
			details(&p[i]);
		out_c('}');
	}
	out_c(']');
}

static void
ike_fields(const struct rec *r)
{
	const struct dike	*d = r->ike;
	const struct ike_hdr	*h = &d->m.hdr;

	if (r->natt)
		kv_b("natt", true);
	kv_x64("ispi", h->ispi);
	kv_x64("rspi", h->rspi);
	kv_name("exchange", ikev2_exchange_name(h->exch));
	kv_u("exchange_type", h->exch);
	kv_b("initiator", (h->flags & IKEV2_FLAG_INITIATOR) != 0);
	kv_b("response", (h->flags & IKEV2_FLAG_RESPONSE) != 0);
	kv_u("msgid", h->msgid);
	kv_u("length", h->len);
	key("payloads");
	payloads(d->m.pld, d->n_ok, d);
	if (d->malformed[0] != '\0')
		kv_s("malformed", d->malformed);
}

static void
esp_fields(const struct rec *r)
{
	const struct desp	*e = r->esp;
	const struct dinner	*in = &e->in;
	int			 af = in->version == 6 ? AF_INET6 : AF_INET;

	key("spi");
	out_s("\"0x");
	out_x(e->spi, 8);
	out_c('"');
	kv_u("seq", e->seq);
	kv_u("length", e->len);
	if (e->st != SK_OK) {
		kv_b("decrypted", false);
		if (e->st == SK_NONE || e->err == IKE_ENOKEY) {
			key("error");
			out_s("\"no key for SPI 0x");
			out_x(e->spi, 8);
			out_c('"');
		} else
			kv_s("error", sk_why(e->err));
		return;
	}
	kv_b("decrypted", true);
	key("inner");
	out_s("{\"version\":");
	out_u(in->version);
	if (in->version != 0) {
		kv_ip("src", af, in->src);
		kv_ip("dst", af, in->dst);
	}
	kv_u("proto", in->proto);
	kv_u("sport", in->sport);
	kv_u("dport", in->dport);
	kv_u("length", in->length);
	out_c('}');
}

void
json_print(const struct opts *o, const struct rec *r)
{
	const struct pkt	*pk = r->pk;
	static const char	*kinds[] = {
		[REC_IKE] = "ike", [REC_IKEV1] = "ikev1", [REC_ESP] = "esp",
		[REC_KEEPALIVE] = "keepalive", [REC_MALFORMED] = "malformed",
		[REC_OTHER] = "other",
	};

	verbose = o->verbose;
	out_s("{\"frame\":");
	out_u(pk->frame);
	if (pk->has_addr) {
		key("time");
		out_c('"');
		out_time_iso(&pk->ts);
		out_c('"');
		kv_ip("src", pk->af, pk->src);
		kv_ip("dst", pk->af, pk->dst);
		kv_u("sport", pk->sport);
		kv_u("dport", pk->dport);
	}
	kv_s("kind", kinds[r->kind]);
	switch (r->kind) {
	case REC_IKE:
		ike_fields(r);
		break;
	case REC_IKEV1:
		kv_x64("ispi", r->ike->m.hdr.ispi);
		kv_x64("rspi", r->ike->m.hdr.rspi);
		kv_u("exchange_type", r->ike->m.hdr.exch);
		kv_u("msgid", r->ike->m.hdr.msgid);
		break;
	case REC_ESP:
		esp_fields(r);
		break;
	case REC_MALFORMED:
		kv_s("malformed", r->why);
		break;
	case REC_KEEPALIVE:
	case REC_OTHER:
		break;
	}
	out_s("}\n");
}
