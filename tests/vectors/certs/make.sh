#!/bin/sh
# make.sh: regenerate the unit tests' LAB certificates (tests/vectors/certs).
# THROW-AWAY TEST MATERIAL: these keys are public in this repository and must
# never protect anything.  20-year validity so the tests do not rot; the
# "expired" certificate was valid for one day in 2001.  Run from this folder:
#   sh make.sh
set -eu
umask 022
rm -f ./*.pem ./*.srl index.txt* serial* ca.cnf
subj="/O=ikekit unit-test lab (not secret)"
ca() {	# ca NAME KEYALG-ARGS...
	n=$1; shift
	openssl genpkey "$@" -out "$n.key.pem" 2>/dev/null
	openssl req -x509 -new -key "$n.key.pem" -out "$n.crt.pem" -days 7300 \
		-subj "$subj/CN=$n" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {	# leaf NAME CA SAN KEYALG-ARGS...
	n=$1 c=$2 san=$3; shift 3
	openssl genpkey "$@" -out "$n.key.pem" 2>/dev/null
	printf 'subjectAltName = %s\n' "$san" >"$n.ext"
	openssl req -new -key "$n.key.pem" -subj "$subj/CN=$n" -out "$n.csr"
	openssl x509 -req -in "$n.csr" -CA "$c.crt.pem" -CAkey "$c.key.pem" \
		-CAcreateserial -days 7300 -extfile "$n.ext" -out "$n.crt.pem" 2>/dev/null
	rm -f "$n.csr" "$n.ext"
}
ca ca -algorithm EC -pkeyopt ec_paramgen_curve:P-256
ca otherca -algorithm EC -pkeyopt ec_paramgen_curve:P-256
leaf rsa ca "IP:192.0.2.1, DNS:rsa.lab.example" -algorithm RSA -pkeyopt rsa_keygen_bits:2048
leaf ec256 ca "IP:192.0.2.2, email:ec256@lab.example" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
leaf ec384 ca "IP:192.0.2.2" -algorithm EC -pkeyopt ec_paramgen_curve:P-384
leaf ed25519 ca "IP:192.0.2.2" -algorithm ED25519
leaf stranger otherca "IP:192.0.2.2" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
# expired: openssl ca with explicit dates (x509 -req has no -not_before in 3.0)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out expired.key.pem
openssl req -new -key expired.key.pem -subj "$subj/CN=expired" -out expired.csr
: >index.txt; echo 01 >serial
cat >ca.cnf <<CNF
[ca]
default_ca = lab
[lab]
database = index.txt
serial = serial
new_certs_dir = .
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
x509_extensions = ext
[any]
organizationName = optional
commonName = supplied
[ext]
subjectAltName = IP:192.0.2.2
CNF
openssl ca -batch -config ca.cnf -cert ca.crt.pem -keyfile ca.key.pem \
	-startdate 20010101000000Z -enddate 20010102000000Z -notext \
	-in expired.csr -out expired.crt.pem 2>/dev/null
rm -f expired.csr index.txt* serial* ca.cnf ./*.srl 01.pem
