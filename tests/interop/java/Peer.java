// A Java 17 (JSSE) TLS endpoint for tern's interop tests: an independent
// TLS 1.3 implementation, neither OpenSSL nor GnuTLS.
//
//   java Peer.java client HOST PORT TRUSTSTORE.p12 SEND EXPECT
//   java Peer.java server PORT KEYSTORE.p12 SEND EXPECT [TRUSTSTORE.p12]
//
// The client checks the server's name (HTTPS endpoint identification).
// Each side prints the negotiated protocol and suite, sends SEND, and reads
// until EXPECT arrives (exit 0) or the stream ends (exit 1). A server given
// a trust store requires a client certificate and prints its subject.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import javax.net.ssl.*;

public class Peer {
    static final char[] PASS = "changeit".toCharArray();

    static KeyStore load(String path) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(path)) {
            ks.load(in, PASS);
        }
        return ks;
    }

    static int talk(SSLSocket s, String send, String expect) throws Exception {
        s.startHandshake();
        SSLSession sess = s.getSession();
        System.out.println("negotiated: " + sess.getProtocol() + " " + sess.getCipherSuite());
        try {
            System.out.println("peer: " + sess.getPeerPrincipal().getName());
        } catch (SSLPeerUnverifiedException e) {
            System.out.println("peer: none");
        }
        System.out.flush();
        OutputStream out = s.getOutputStream();
        out.write(send.getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder got = new StringBuilder();
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) > 0) {
            got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            if (got.indexOf(expect) >= 0) {
                System.out.println("received: " + got);
                return 0;
            }
        }
        System.out.println("received (incomplete): " + got);
        return 1;
    }

    public static void main(String[] a) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        int rc;
        if (a[0].equals("client")) {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(load(a[3]));
            ctx.init(null, tmf.getTrustManagers(), null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(a[1], Integer.parseInt(a[2]))) {
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                /* -Dtern.protocols=TLSv1.2 for the TLS 1.2 interop (tls12.sh) */
                p.setProtocols(System.getProperty("tern.protocols", "TLSv1.3").split(","));
                s.setSSLParameters(p);
                rc = talk(s, a[4], a[5]);
            }
        } else {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(load(a[2]), PASS);
            TrustManager[] tms = null;
            if (a.length > 5) {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
                tmf.init(load(a[5]));
                tms = tmf.getTrustManagers();
            }
            ctx.init(kmf.getKeyManagers(), tms, null);
            try (SSLServerSocket ls = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(Integer.parseInt(a[1]))) {
                ls.setNeedClientAuth(tms != null);
                System.out.println("listening on " + a[1]);
                System.out.flush();
                try (SSLSocket s = (SSLSocket) ls.accept()) {
                    rc = talk(s, a[3], a[4]);
                }
            }
        }
        System.exit(rc);
    }
}
