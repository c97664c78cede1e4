/* Encoded OID contents used by the X.509 code (the bytes after tag and
 * length). Kept in one place so each OID is spelled once. */
#ifndef TERN_X509_OIDS_H
#define TERN_X509_OIDS_H

#include <stdint.h>

#define PKCS1(n) 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, (n)
static const uint8_t OID_RSA_ENCRYPTION[] = {PKCS1(1)};
static const uint8_t OID_MD5_RSA[] = {PKCS1(4)};
static const uint8_t OID_SHA1_RSA[] = {PKCS1(5)};
static const uint8_t OID_MGF1[] = {PKCS1(8)};
static const uint8_t OID_RSASSA_PSS[] = {PKCS1(10)};
static const uint8_t OID_SHA256_RSA[] = {PKCS1(11)};
static const uint8_t OID_SHA384_RSA[] = {PKCS1(12)};
static const uint8_t OID_SHA512_RSA[] = {PKCS1(13)};
#undef PKCS1
static const uint8_t OID_EC_PUBLIC_KEY[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t OID_ECDSA_SHA1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01};
static const uint8_t OID_ECDSA_SHA256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t OID_ECDSA_SHA384[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
static const uint8_t OID_ECDSA_SHA512[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04};
static const uint8_t OID_P192[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01};
static const uint8_t OID_P256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t OID_P384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t OID_P521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};
static const uint8_t OID_ED25519[] = {0x2b, 0x65, 0x70};
static const uint8_t OID_DSA[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01};
static const uint8_t OID_SHA1[] = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
static const uint8_t OID_SHA256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
static const uint8_t OID_SHA384[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
static const uint8_t OID_SHA512[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03};

/* id-ce extensions (2.5.29.n) */
#define ID_CE(n) 0x55, 0x1d, (n)
static const uint8_t OID_SKI[] = {ID_CE(14)};
static const uint8_t OID_KU[] = {ID_CE(15)};
static const uint8_t OID_SAN[] = {ID_CE(17)};
static const uint8_t OID_IAN[] = {ID_CE(18)};
static const uint8_t OID_BC[] = {ID_CE(19)};
static const uint8_t OID_CRL_NUMBER[] = {ID_CE(20)};
static const uint8_t OID_CRL_REASON[] = {ID_CE(21)};
static const uint8_t OID_INVALIDITY_DATE[] = {ID_CE(24)};
static const uint8_t OID_NC[] = {ID_CE(30)};
static const uint8_t OID_CRL_DP[] = {ID_CE(31)};
static const uint8_t OID_IDP[] = {ID_CE(28)};
static const uint8_t OID_CERTIFICATE_ISSUER[] = {ID_CE(29)};
static const uint8_t OID_POLICIES[] = {ID_CE(32)};
static const uint8_t OID_POLICY_MAPPINGS[] = {ID_CE(33)};
static const uint8_t OID_AKI[] = {ID_CE(35)};
static const uint8_t OID_POLICY_CONSTRAINTS[] = {ID_CE(36)};
static const uint8_t OID_EKU[] = {ID_CE(37)};
static const uint8_t OID_INHIBIT_ANY[] = {ID_CE(54)};
static const uint8_t OID_ANY_EKU[] = {ID_CE(37), 0x00};
#undef ID_CE
static const uint8_t OID_AIA[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};
static const uint8_t OID_KP_SERVER[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
static const uint8_t OID_KP_CLIENT[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02};

/* attribute types */
static const uint8_t OID_AT_CN[] = {0x55, 0x04, 0x03};
static const uint8_t OID_EMAIL_ADDRESS[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01};

#endif
