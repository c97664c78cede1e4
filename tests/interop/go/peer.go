// Go's crypto/tls as an independent TLS 1.3 peer for tern's tests.
//
//	peer client PORT CAFILE        connect, verify "localhost", send ping, print the answer
//	peer server PORT CHAIN KEY     accept one, read ping, answer pong
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
)

func main() {
	role, port := os.Args[1], os.Args[2]
	if role == "client" {
		pem, err := os.ReadFile(os.Args[3])
		must(err)
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		conn, err := tls.Dial("tcp", "127.0.0.1:"+port, &tls.Config{
			RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS13,
			NextProtos: []string{"http/1.1"},
		})
		must(err)
		defer conn.Close()
		_, err = conn.Write([]byte("ping\n"))
		must(err)
		line, _ := bufio.NewReader(conn).ReadString('\n')
		st := conn.ConnectionState()
		fmt.Printf("go client: version %x suite %s alpn %s\n%s", st.Version,
			tls.CipherSuiteName(st.CipherSuite), st.NegotiatedProtocol, line)
		if !strings.Contains(line, "pong") {
			os.Exit(1)
		}
		return
	}
	cert, err := tls.LoadX509KeyPair(os.Args[3], os.Args[4])
	must(err)
	ln, err := tls.Listen("tcp", "127.0.0.1:"+port, &tls.Config{
		Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13,
	})
	must(err)
	fmt.Println("listening")
	c, err := ln.Accept()
	must(err)
	defer c.Close()
	line, _ := bufio.NewReader(c).ReadString('\n')
	_, err = c.Write([]byte("pong\n"))
	must(err)
	st := c.(*tls.Conn).ConnectionState()
	fmt.Printf("go server: version %x suite %s\n%s", st.Version, tls.CipherSuiteName(st.CipherSuite), line)
	if !strings.Contains(line, "ping") {
		os.Exit(1)
	}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "go peer:", err)
		os.Exit(1)
	}
}
