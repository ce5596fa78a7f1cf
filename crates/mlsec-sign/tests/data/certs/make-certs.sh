#!/usr/bin/env bash
# Re-creates the throw-away TEST PKI used by mlsec-sign's certificate tests (openssl CLI).
# root (P-384, self-signed CA) -> intermediate (P-256 CA, pathlen 0) -> leaf (P-256,
# digitalSignature + codeSigning, SAN email signer@example.com), plus leaves that must be
# rejected (no signing usage, a CA as leaf) and an unrelated root. Valid for 100 years.
set -euo pipefail
cd "$(dirname "$0")"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:$1 -out $2; }
key P-384 root.key; key P-256 int.key; key P-256 leaf.key; key P-256 other-root.key
key P-256 leaf-noeku.key
openssl req -x509 -new -key root.key -subj "/CN=mlsec test root" -days 36500 -sha384 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out root.pem
openssl req -x509 -new -key other-root.key -subj "/CN=mlsec other root" -days 36500 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out other-root.pem
ext() { printf '%s\n' "$@" > ext.cnf; }
sign() { # csr-key subject issuer-pem issuer-key out ext-lines...
  local k=$1 s=$2 ip=$3 ik=$4 out=$5; shift 5; ext "$@"
  openssl req -new -key "$k" -subj "$s" -out tmp.csr
  openssl x509 -req -in tmp.csr -CA "$ip" -CAkey "$ik" -CAcreateserial -days 36500 -sha256 -extfile ext.cnf -out "$out"
}
sign int.key "/CN=mlsec test intermediate" root.pem root.key int.pem \
  "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign"
sign leaf.key "/CN=mlsec test signer" int.pem int.key leaf.pem \
  "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=codeSigning" "subjectAltName=email:signer@example.com"
sign leaf-noeku.key "/CN=mlsec wrong usage" int.pem int.key leaf-noeku.pem \
  "basicConstraints=critical,CA:FALSE" "keyUsage=critical,keyEncipherment" "extendedKeyUsage=serverAuth"
rm -f tmp.csr ext.cnf *.srl
