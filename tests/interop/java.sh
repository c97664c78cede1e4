#!/usr/bin/env bash
# tern against Java 17's JSSE, an independent TLS 1.3 implementation, both
# directions: the Java client verifies tern's certificate and host name,
# the tern client verifies Java's; application data crosses both ways;
# mutual TLS with a Java server that requires a client certificate.
. "$(dirname "$0")/lib.bash"
need java openjdk-17-jre-headless
need keytool openjdk-17-jre-headless
need openssl openssl
J=$SRC/tests/interop/java/Peer.java
# Trust store (the test CA) and key store (server-p256 with its chain).
keytool -importcert -noprompt -alias ca -file "$DATA/ca.pem" -keystore "$WORK/trust.p12" \
  -storetype PKCS12 -storepass changeit >/dev/null 2>&1 || { echo "keytool failed"; exit 1; }
for k in server-p256 server-rsa; do
  openssl pkcs12 -export -in "$DATA/$k-chain.pem" -inkey "$DATA/$k.key" -name server \
    -out "$WORK/$k.p12" -passout pass:changeit || { echo "openssl pkcs12 failed"; exit 1; }
done

echo "== Java client -> tern server"
for k in server-p256 server-rsa; do
  PORT=$(free_port)
  bg "$PEER" server "$PORT" --cert "$DATA/$k-chain.pem" --key "$DATA/$k.key" --send pong \
    --expect ping >"$WORK/tern.out" 2>&1
  wait_text "$WORK/tern.out" listening
  java "$J" client localhost "$PORT" "$WORK/trust.p12" ping pong >"$WORK/java.out" 2>&1
  check "$k: Java verified tern and got pong" test $? -eq 0
  check "$k: TLSv1.3" has "$WORK/java.out" "negotiated: TLSv1.3"
  wait "${PIDS[@]}" 2>/dev/null
  PIDS=()
  check "$k: tern got ping" has "$WORK/tern.out" "ping"
done
# A Java client trusting another CA refuses tern's certificate, and tern
# names the alert it receives.
keytool -importcert -noprompt -alias other -file "$DATA/other-ca.pem" -keystore "$WORK/other.p12" \
  -storetype PKCS12 -storepass changeit >/dev/null 2>&1
PORT=$(free_port)
bg "$PEER" server "$PORT" --cert "$DATA/server-p256-chain.pem" --key "$DATA/server-p256.key" \
  --send pong --expect ping >"$WORK/tern.out" 2>&1
wait_text "$WORK/tern.out" listening
java "$J" client localhost "$PORT" "$WORK/other.p12" ping pong >"$WORK/java.out" 2>&1
check "Java refuses a certificate from a CA it does not trust" test $? -ne 0
check "  saying so" has "$WORK/java.out" "unable to find valid certification path"
wait "${PIDS[@]}" 2>/dev/null
PIDS=()
check "  tern names the alert it got" has "$WORK/tern.out" "certificate_unknown"
stop_all

echo "== tern client -> Java server"
for k in server-p256 server-rsa; do
  PORT=$(free_port)
  bg java "$J" server "$PORT" "$WORK/$k.p12" pong ping >"$WORK/java.out" 2>&1
  wait_text "$WORK/java.out" listening
  "$PEER" client localhost "$PORT" --cafile "$DATA/ca.pem" --send ping --expect pong >"$WORK/tern.out" 2>&1
  check "$k: tern verified Java and got pong" test $? -eq 0
  check "$k: TLS 1.3" has "$WORK/tern.out" "version=TLS 1.3"
  wait "${PIDS[@]}" 2>/dev/null
  PIDS=()
  check "$k: Java got ping" has "$WORK/java.out" "received: ping"
done

echo "== mutual TLS: tern client -> Java server requiring a certificate"
PORT=$(free_port)
bg java "$J" server "$PORT" "$WORK/server-p256.p12" pong ping "$WORK/trust.p12" >"$WORK/java.out" 2>&1
wait_text "$WORK/java.out" listening
"$PEER" client localhost "$PORT" --cafile "$DATA/ca.pem" --cert "$DATA/client-chain.pem" \
  --key "$DATA/client.key" --send ping --expect pong >"$WORK/tern.out" 2>&1
check "with a client certificate: pong" test $? -eq 0
wait "${PIDS[@]}" 2>/dev/null
PIDS=()
check "Java saw the client's subject" has "$WORK/java.out" "peer: CN=tern test client"

finish
