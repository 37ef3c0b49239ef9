#!/bin/sh
# Makes the certificate fixtures of test_certs.c in directory $1 with the
# openssl command line: a root -> intermediate -> leaf chain (RSA 2048 leaf),
# PFX files (OpenSSL 3 default PBES2/AES-256 and -legacy 3DES/RC2, password
# "secret"; one with an empty password), and PEM chain + PKCS#8 key.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
o() { openssl "$@" 2>/dev/null; }
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > ca.ext
printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:leaf.example\n' > leaf.ext
o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out root.key
o req -x509 -new -key root.key -subj "/C=US/O=Test Org/CN=Test Root" -days 3650 -out root.pem
o genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out inter.key
o req -new -key inter.key -subj "/C=US/O=Test Org/CN=Test Intermediate" -out inter.csr
o x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 1000 -extfile ca.ext -out inter.pem
o genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out leaf.key
o req -new -key leaf.key -subj "/CN=leaf/O=Leaf Org" -out leaf.csr
o x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 365 -extfile leaf.ext -out leaf.pem
cat inter.pem root.pem > chain.pem
cat leaf.pem inter.pem root.pem > fullchain.pem
o pkcs12 -export -inkey leaf.key -in leaf.pem -certfile chain.pem -passout pass:secret -out leaf.pfx
o pkcs12 -export -legacy -inkey leaf.key -in leaf.pem -certfile chain.pem -passout pass:secret -out leaf-legacy.pfx
o pkcs12 -export -inkey leaf.key -in leaf.pem -certfile chain.pem -passout pass: -out leaf-empty.pfx
o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key
