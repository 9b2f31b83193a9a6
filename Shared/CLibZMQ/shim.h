#ifndef SEND_CLIBZMQ_SHIM_H
#define SEND_CLIBZMQ_SHIM_H

#include <zmq.h>
#include <errno.h>

/* Swift cannot import errno reliably across C libraries; read it here. */
static inline int send_zmq_errno(void) { return zmq_errno(); }

/* zmq_setsockopt/getsockopt take void*; these wrappers keep the int case typed. */
static inline int send_zmq_setsockopt_int(void *socket, int option, int value) {
    return zmq_setsockopt(socket, option, &value, sizeof(value));
}
static inline int send_zmq_getsockopt_int(void *socket, int option, int *value) {
    size_t size = sizeof(*value);
    return zmq_getsockopt(socket, option, value, &size);
}
static inline int send_zmq_setsockopt_int64(void *socket, int option, long long value) {
    int64_t v = (int64_t)value;
    return zmq_setsockopt(socket, option, &v, sizeof(v));
}
static inline int send_zmq_getsockopt_int64(void *socket, int option, long long *value) {
    int64_t v = 0;
    size_t size = sizeof(v);
    int rc = zmq_getsockopt(socket, option, &v, &size);
    *value = (long long)v;
    return rc;
}
#endif
