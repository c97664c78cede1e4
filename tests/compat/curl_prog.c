/* A program of our own on Debian's libcurl4 (built against
 * libcurl4-openssl-dev, the shape of curl's docs/examples/https.c), run by
 * tests/compat/curl_prog.sh through the tern-openssl wrapper: libcurl then
 * does its TLS on tern's libssl.so.3. It fetches URL twice with one easy
 * handle (the second transfer reuses the connection), trusting CAFILE,
 * and prints the body, what libcurl says of the connection, and, from
 * inside the write callback, what the SSL object libcurl uses says
 * (CURLINFO_TLS_SSL_PTR, read with OpenSSL's own API). Then once with
 * CAFILE2, which must not verify the server.
 *
 * usage: curl_prog URL CAFILE CAFILE2 */
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>

struct sink {
    CURL *curl;
    size_t bytes;
    int ssl_seen;
};

static size_t on_data(char *ptr, size_t size, size_t n, void *arg)
{
    struct sink *k = arg;
    size_t len = size * n;
    if (!k->ssl_seen) {
        struct curl_tlssessioninfo *info = NULL;
        if (curl_easy_getinfo(k->curl, CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK && info != NULL &&
            info->backend == CURLSSLBACKEND_OPENSSL && info->internals) {
            SSL *ssl = info->internals;
            const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
            printf("ssl: %s %s\n", SSL_get_version(ssl), c ? SSL_CIPHER_get_name(c) : "?");
        } else {
            printf("ssl: no OpenSSL SSL object\n");
        }
        k->ssl_seen = 1;
    }
    fwrite(ptr, 1, len, stdout);
    k->bytes += len;
    return len;
}

static int fetch(CURL *curl, const char *url, const char *ca, long *conns)
{
    struct sink k = {curl, 0, 0};
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CAINFO, ca);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &k);
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        printf("perform: %d %s\n", (int)rc, curl_easy_strerror(rc));
        return (int)rc;
    }
    long code = 0, verify = -1, version = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(curl, CURLINFO_SSL_VERIFYRESULT, &verify);
    curl_easy_getinfo(curl, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, conns);
    printf("status %ld, verify result %ld, http version %ld, %zu bytes, new connections %ld\n",
           code, verify, version, k.bytes, *conns);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: curl_prog URL CAFILE CAFILE2\n");
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    printf("libcurl %s with %s\n", v->version, v->ssl_version ? v->ssl_version : "no TLS");
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        return 1;
    long conns = 0;
    int rc = fetch(curl, argv[1], argv[2], &conns);
    if (rc == 0)
        rc = fetch(curl, argv[1], argv[2], &conns);
    if (rc == 0) {
        /* another CA: a new handle, so no connection is reused */
        CURL *other = curl_easy_init();
        if (other == NULL)
            return 1;
        int bad = fetch(other, argv[1], argv[3], &conns);
        printf("with the other CA: %d\n", bad);
        curl_easy_cleanup(other);
    }
    curl_easy_cleanup(curl);
    curl_global_cleanup();
    return rc;
}
