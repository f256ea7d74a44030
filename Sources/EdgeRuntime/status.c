/* status.c — status names, error messages, and the names of dtypes in them (operators are named by
   their table, operators.c). */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

const char *edge_status_string(edge_status status)
{
    switch (status) {
    case EDGE_OK: return "ok";
    case EDGE_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case EDGE_ERROR_IO: return "i/o error";
    case EDGE_ERROR_FORMAT: return "format error";
    case EDGE_ERROR_CHECKSUM: return "checksum mismatch";
    case EDGE_ERROR_VERSION: return "unsupported format version";
    case EDGE_ERROR_UNSUPPORTED: return "unsupported feature";
    case EDGE_ERROR_OUT_OF_MEMORY: return "out of memory";
    case EDGE_ERROR_EXECUTION: return "execution error";
    }
    return "unknown status";
}

#define EDGE_STRINGIFY_(x) #x
#define EDGE_STRINGIFY(x) EDGE_STRINGIFY_(x)

const char *edge_version(void)
{
    return EDGE_STRINGIFY(EDGE_VERSION_MAJOR) "." EDGE_STRINGIFY(EDGE_VERSION_MINOR) "." EDGE_STRINGIFY(EDGE_VERSION_PATCH);
}

static void edge_vformat(edge_error *error, edge_status status, const char *prefix, const char *format, va_list arguments)
{
    error->status = status;
    size_t used = 0;
    if (prefix) {
        int n = snprintf(error->message, sizeof error->message, "%s", prefix);
        used = n < 0 ? 0 : (size_t)n >= sizeof error->message ? sizeof error->message - 1 : (size_t)n;
    }
    vsnprintf(error->message + used, sizeof error->message - used, format, arguments);
    /* One line, whatever names the file held. */
    for (char *c = error->message; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' ';
}

edge_status edge_fail(edge_error *error, edge_status status, const char *format, ...)
{
    if (!error) return status;
    va_list arguments;
    va_start(arguments, format);
    edge_vformat(error, status, NULL, format, arguments);
    va_end(arguments);
    return status;
}

edge_status edge_vfail(edge_error *error, edge_status status, const char *prefix, const char *format, va_list arguments)
{
    if (!error) return status;
    edge_vformat(error, status, prefix, format, arguments);
    return status;
}

size_t edge_dtype_size(uint32_t dtype)
{
    switch (dtype) {
    case EDGE_DTYPE_FLOAT32: return 4;
    case EDGE_DTYPE_INT8: return 1;
    case EDGE_DTYPE_UINT8: return 1;
    case EDGE_DTYPE_INT32: return 4;
    case EDGE_DTYPE_INT64: return 8;
    case EDGE_DTYPE_BOOL: return 1;
    default: return 0;
    }
}

const char *edge_dtype_name(uint32_t dtype)
{
    switch (dtype) {
    case EDGE_DTYPE_FLOAT32: return "float32";
    case EDGE_DTYPE_INT8: return "int8";
    case EDGE_DTYPE_UINT8: return "uint8";
    case EDGE_DTYPE_INT32: return "int32";
    case EDGE_DTYPE_INT64: return "int64";
    case EDGE_DTYPE_BOOL: return "bool";
    default: return "unknown";
    }
}
