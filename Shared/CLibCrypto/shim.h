#ifndef SEND_CLIBCRYPTO_SHIM_H
#define SEND_CLIBCRYPTO_SHIM_H

/* OpenSSL's libcrypto, for SHA-256 through its EVP interface (the one OpenSSL 3 does not deprecate). */
#include <openssl/evp.h>

#endif
