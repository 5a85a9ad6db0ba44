# shellcheck shell=bash
# lib-cert.bash: certificates for IKE_AUTH with strongSwan (auth = pubkey), on
# top of lib-respond.bash and lib-initiate.bash (and so lib.bash), which it
# sources and does not change.  A CA, certificates and keys are made per run with openssl in
# $IKX_RUN/cpki and never kept:
#
#   ikx_cert_pki rsa|ecdsa|ed25519   ca, left, right (that key type; the CA is
#                                    P-256 for ed25519), expired (validity
#                                    2001-01-01..02, from ca), stranger (from
#                                    otherca); subject "O=ikekit interop lab,
#                                    CN=NAME", subjectAltName IP = the side's
#                                    address (expired, stranger: both sides)
#   ikx_cert_charon SIDE ROLE NAME   SIDE's charon (ROLE responder: any peer;
#                                    initiator: toward the other side) with
#                                    NAME's certificate and key, trusting ca,
#                                    local id = its address, remote id %any
#
# Knobs: IKX_IKE_PROPOSALS, IKX_ESP_PROPOSALS (lib-respond.bash defaults).

# shellcheck source=tests/interop/lib-respond.bash
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib-respond.bash"
# shellcheck source=tests/interop/lib-initiate.bash
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib-initiate.bash"

IKX_IKE_PROPOSALS=${IKX_IKE_PROPOSALS:-aes256gcm16-prfsha256-x25519}
IKX_ESP_PROPOSALS=${IKX_ESP_PROPOSALS:-aes256gcm16}

# ikx__cert_key KIND FILE : a new private key of KIND (PKCS#8 PEM)
ikx__cert_key() {
	case $1 in
	rsa)     openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
	ecdsa)   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" ;;
	ed25519) openssl genpkey -algorithm ED25519 -out "$2" ;;
	*) ikx_fail "unknown key kind '$1'"; return 1 ;;
	esac
}

# ikx__cert_leaf NAME KIND CA SAN : NAME.key, NAME.crt signed by CA
ikx__cert_leaf() {
	local p=$IKX_RUN/cpki
	ikx__cert_key "$2" "$p/$1.key" &&
		printf 'subjectAltName = %s\n' "$4" >"$p/$1.ext" &&
		openssl req -new -key "$p/$1.key" -subj "/O=ikekit interop lab/CN=$1" -out "$p/$1.csr" &&
		openssl x509 -req -in "$p/$1.csr" -CA "$p/$3.crt" -CAkey "$p/$3.key" -CAcreateserial \
			-days 30 -extfile "$p/$1.ext" -out "$p/$1.crt"
}

ikx_cert_pki() {
	local p=$IKX_RUN/cpki kind=$1 cakind=$1 c both
	[ "$kind" != ed25519 ] || cakind=ecdsa
	both="IP:$IKX_ADDR_left, IP:$IKX_ADDR_right"
	mkdir -p "$p" && chmod 700 "$p" || return 1
	{
		for c in ca otherca; do
			ikx__cert_key "$cakind" "$p/$c.key" &&
				openssl req -x509 -new -key "$p/$c.key" -out "$p/$c.crt" -days 30 \
					-subj "/O=ikekit interop lab/CN=$c" \
					-addext basicConstraints=critical,CA:TRUE \
					-addext keyUsage=critical,keyCertSign,cRLSign || return 1
		done
		ikx__cert_leaf left "$kind" ca "IP:$IKX_ADDR_left" &&
			ikx__cert_leaf right "$kind" ca "IP:$IKX_ADDR_right" &&
			ikx__cert_leaf stranger "$kind" otherca "$both" || return 1
		# expired: openssl ca takes explicit dates (x509 -req cannot in 3.0)
		ikx__cert_key "$kind" "$p/expired.key" &&
			openssl req -new -key "$p/expired.key" -subj "/O=ikekit interop lab/CN=expired" \
				-out "$p/expired.csr" || return 1
		: >"$p/index.txt"; echo 01 >"$p/serial"
		cat >"$p/ca.cnf" <<CNF
[ca]
default_ca = lab
[lab]
database = $p/index.txt
serial = $p/serial
new_certs_dir = $p
default_md = sha256
policy = any
unique_subject = no
x509_extensions = ext
[any]
organizationName = optional
commonName = supplied
[ext]
subjectAltName = $both
CNF
		openssl ca -batch -config "$p/ca.cnf" -cert "$p/ca.crt" -keyfile "$p/ca.key" \
			-startdate 20010101000000Z -enddate 20010102000000Z -notext \
			-in "$p/expired.csr" -out "$p/expired.crt"
	} >"$p/openssl.out" 2>&1 || { cat "$p/openssl.out" >&2; ikx_fail "openssl: lab PKI failed"; return 1; }
	chmod 600 "$p"/*.key
}

ikx_cert_charon() {
	local side=$1 role=$2 name=$3 other sd sub p=$IKX_RUN/cpki remote
	other=$(ikx_other "$side")
	sd="$(ikx_dir "$side")/swanctl"
	remote=%any
	[ "$role" = responder ] || remote=$(ikx_var ADDR "$other")
	ikx_charon_start "$side" || return 1
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$sd/$sub"
	done
	cp "$p/ca.crt" "$sd/x509ca/" && cp "$p/$name.crt" "$sd/x509/" &&
		(umask 077 && cp "$p/$name.key" "$sd/private/") || return 1
	cat >"$sd/swanctl.conf" <<CONF
connections {
  ikx {
    version = 2
    local_addrs = $(ikx_var ADDR "$side")
    remote_addrs = $remote
    proposals = $IKX_IKE_PROPOSALS
    encap = yes
    mobike = no
    unique = never
    local {
      auth = pubkey
      certs = $name.crt
      id = $(ikx_var ADDR "$side")
    }
    remote {
      auth = pubkey
      id = %any
    }
    children {
      net {
        local_ts = $(ikx_var NET "$side")
        remote_ts = $(ikx_var NET "$other")
        esp_proposals = $IKX_ESP_PROPOSALS
        mode = tunnel
        start_action = none
      }
    }
  }
}
CONF
	ikx_load "$side"
}
