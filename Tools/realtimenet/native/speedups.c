/* realtimenet._speedups: one pass over a client's text message that certifies it needs none of the gateway's
 * slower checks (protocol/text.py and the sanitising limits of protocol/jsonrpc.py).
 *
 * scan_frame(data, max_depth, max_string_length, max_array_length) -> bool
 *
 * True means: the bytes are valid UTF-8 with no lone surrogate escape, no container nests deeper than
 * max_depth, no string or member name is longer than max_string_length characters, no array or object has
 * more than max_array_length members, every integer has at most 18 digits and every other number has a small
 * exponent: the Python checks would find nothing. False means "not certain": the Python checks run and give
 * the precise error (or find the message fine after all). So this never changes what the gateway accepts,
 * only how fast it accepts the common case; tests/test_speedups.py checks that it is never more lenient.
 *
 * Built by `pip install` when a C compiler is there (setup.py: optional), else the Python path alone runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define MAX_TRACKED_DEPTH 256

static int hex4(const unsigned char *p, unsigned *out) {
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned char c = p[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF), or 0. */
static Py_ssize_t utf8_length(const unsigned char *p, Py_ssize_t left) {
    unsigned char c = p[0];
    if (c >= 0xC2 && c <= 0xDF) {
        return (left >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0; /* overlong */
        if (c == 0xED && p[1] >= 0xA0) return 0; /* a surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0; /* overlong */
        if (c == 0xF4 && p[1] >= 0x90) return 0; /* beyond U+10FFFF */
        return 4;
    }
    return 0;
}

static int certified(const unsigned char *p, Py_ssize_t n, long max_depth, long max_string, long max_array) {
    long members[MAX_TRACKED_DEPTH];
    long depth = 0;
    Py_ssize_t i = 0;
    if (max_depth > MAX_TRACKED_DEPTH) return 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') {
            i++;
        } else if (c == ',') {
            if (depth == 0 || ++members[depth - 1] >= max_array) return 0;
            i++;
        } else if (c == '[' || c == '{') {
            if (depth >= max_depth) return 0;
            members[depth++] = 0;
            i++;
        } else if (c == ']' || c == '}') {
            if (depth == 0) return 0;
            depth--;
            i++;
        } else if (c == '"') {
            long chars = 0;
            i++;
            for (;;) {
                if (i >= n) return 0;
                c = p[i];
                if (c == '"') {
                    i++;
                    break;
                }
                if (c == '\\') {
                    if (i + 1 >= n) return 0;
                    unsigned char e = p[i + 1];
                    if (e == 'u') {
                        unsigned unit, low;
                        if (i + 6 > n || !hex4(p + i + 2, &unit)) return 0;
                        if (unit >= 0xDC00 && unit <= 0xDFFF) return 0; /* a low surrogate alone */
                        if (unit >= 0xD800 && unit <= 0xDBFF) {     /* must be followed by its low half */
                            if (i + 12 > n || p[i + 6] != '\\' || p[i + 7] != 'u' || !hex4(p + i + 8, &low) ||
                                low < 0xDC00 || low > 0xDFFF) {
                                return 0;
                            }
                            i += 12;
                        } else {
                            i += 6;
                        }
                    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                               e == 't') {
                        i += 2;
                    } else {
                        return 0;
                    }
                } else if (c < 0x20) {
                    return 0; /* a raw control character: not JSON */
                } else if (c < 0x80) {
                    i++;
                } else {
                    Py_ssize_t len = utf8_length(p + i, n - i);
                    if (len == 0) return 0;
                    i += len;
                }
                if (++chars > max_string) return 0;
            }
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            long digits = 0, exponent_digits = 0;
            int fraction = 0, exponent = 0;
            if (c == '-') i++;
            while (i < n && p[i] >= '0' && p[i] <= '9') {
                digits++;
                i++;
            }
            if (i < n && p[i] == '.') {
                fraction = 1;
                i++;
                while (i < n && p[i] >= '0' && p[i] <= '9') i++;
            }
            if (i < n && (p[i] == 'e' || p[i] == 'E')) {
                exponent = 1;
                i++;
                if (i < n && (p[i] == '+' || p[i] == '-')) i++;
                while (i < n && p[i] >= '0' && p[i] <= '9') {
                    exponent_digits++;
                    i++;
                }
            }
            if (digits == 0) return 0;
            if (!fraction && !exponent && digits > 18) return 0;       /* maybe beyond 64 bits */
            if ((fraction || exponent) && (digits > 300 || exponent_digits > 2)) return 0; /* maybe overflows */
        } else if (c == 't' && i + 4 <= n && memcmp(p + i, "true", 4) == 0) {
            i += 4;
        } else if (c == 'f' && i + 5 <= n && memcmp(p + i, "false", 5) == 0) {
            i += 5;
        } else if (c == 'n' && i + 4 <= n && memcmp(p + i, "null", 4) == 0) {
            i += 4;
        } else {
            return 0;
        }
    }
    return depth == 0;
}

static PyObject *scan_frame(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 4 || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "scan_frame(data: bytes, max_depth: int, max_string_length: int, "
                                         "max_array_length: int)");
        return NULL;
    }
    long limits[3];
    for (int k = 0; k < 3; k++) {
        limits[k] = PyLong_AsLong(args[k + 1]);
        if (limits[k] == -1 && PyErr_Occurred()) return NULL;
    }
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    Py_ssize_t size = PyBytes_GET_SIZE(args[0]);
    if (certified(data, size, limits[0], limits[1], limits[2])) Py_RETURN_TRUE;
    Py_RETURN_FALSE;
}

static PyMethodDef methods[] = {
    {"scan_frame", (PyCFunction)(void (*)(void))scan_frame, METH_FASTCALL,
     "True when a text message certainly passes the gateway's text and limit checks (see the module's C source)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "realtimenet._speedups", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
