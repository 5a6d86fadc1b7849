#!/usr/bin/env bash
# Creates a throw-away test PKI in DIR: a test CA, a server certificate for localhost/127.0.0.1,
# a client certificate signed by the CA, and a client certificate from another (untrusted) CA;
# a signing certificate ("ORG SIGN" of the DMP's VIHF and XAdES) from each CA.
# Tests trust only this CA; TLS verification is never switched off.
set -euo pipefail
dir=${1:?usage: make-test-pki.sh DIR}
mkdir -p "$dir"
cd "$dir"
if [ -f .complete ]; then exit 0; fi

days=30
subj() { echo "/C=FR/O=fhir-gateway tests/CN=$1"; }

make_ca() {  # name
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
    -keyout "$1.key" -out "$1.pem" -subj "$(subj "$1")" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
}

make_leaf() {  # name ca extfile-content
  openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$1.key" -out "$1.csr" \
    -subj "$(subj "$1")" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days "$days" \
    -sha256 -out "$1.pem" -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

make_ca ca
make_ca other-ca
make_leaf server ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"
make_leaf client ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
make_leaf rogue-client other-ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
# The structure's signing cachet (the DMP's ORG SIGN): its subject has the shape of an IGC-Santé
# one (C, ST, O, OU with the structure id, CN) so the VIHF Issuer is tested with a realistic DN.
sign_leaf() {  # name ca
  openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$1.key" -out "$1.csr" \
    -subj "/C=FR/ST=Paris (75)/O=fhir-gateway tests/OU=31234567890/CN=$1 ORG SIGN" 2>/dev/null
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,nonRepudiation" \
    > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days "$days" \
    -sha256 -out "$1.pem" -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
sign_leaf sign ca
sign_leaf rogue-sign other-ca
chmod 600 ./*.key
touch .complete
