#!/bin/sh
# make-demo-cert.sh DIR: the certificates tls_demo needs, made with the
# openssl command line: DIR/ca.pem (a throw-away CA, for SSL_CERT_FILE) and
# DIR/server.pfx (a localhost / 127.0.0.1 server certificate issued by it,
# with its key, password "demo"). Existing files are kept while both
# certificates stay valid for at least another day; otherwise (the server
# certificate lives 30 days) all of them are made again.
#
#   ffi-tests/examples/make-demo-cert.sh ffi-tests/build/demo
#   SSL_CERT_FILE=ffi-tests/build/demo/ca.pem ffi-tests/build/examples/tls_demo ffi-tests/build/demo/server.pfx demo
set -eu
dir=${1:?usage: make-demo-cert.sh DIR}
mkdir -p "$dir"
cd "$dir"
valid() { openssl x509 -in "$1" -noout -checkend 86400 >/dev/null 2>&1; }
if [ -f ca.pem ] && [ -f server.pem ] && [ -f server.pfx ]; then
    valid ca.pem && valid server.pem && exit 0
    echo "make-demo-cert.sh: the demo certificate in $dir expires within a day: making a new one" >&2
fi
rm -f ca.key ca.pem server.key server.pem server.pfx
umask 077
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
openssl req -x509 -new -key ca.key -subj "/O=sspi-rustls demo/CN=sspi-rustls demo CA" -days 365 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key
openssl req -new -key server.key -subj "/O=sspi-rustls demo/CN=localhost" -out server.csr
printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile server.ext \
    -out server.pem 2>/dev/null
openssl pkcs12 -export -inkey server.key -in server.pem -certfile ca.pem -name "sspi-rustls demo" \
    -passout pass:demo -out server.pfx
rm -f server.csr server.ext ca.srl
chmod 644 ca.pem server.pem
