/*
 * edge-run — runs a compiled .edgem model on .npy inputs, on the device.
 *
 *     $ edge-run digits.edgem --input input=digit.npy -o logits.npy
 *     logits  float32[1,10]
 *     $ edge-run digits.edgem --input batch_of_32.npy -o outputs/ --repeat 20
 *     logits  float32[32,10]
 *     invoke  median 0.041 ms, fastest 0.038 ms over 20 runs of each of 32 samples
 *     memory  arena 8,448 bytes, weights 189,128 bytes
 *     $ edge-run digits.edgem --input digit.npy --profile
 *     (a table of the operators by time, then one of the kinds: see profile_report)
 *
 * Inputs are little-endian C-order .npy arrays (format 1.0 or 2.0) of the model input's dtype, given
 * one per --input or together in an .npz written by np.savez (one array per input, by name; the
 * stored entries np.savez writes, zip64 included — np.savez_compressed's are refused, since a
 * device program links no inflater)
 * (float64 is also read into float32 inputs; float32 or float64 arrays given to an int8 input of a
 * model quantized with --int8-io are quantized with the input's scale and zero point). An array with a leading dimension N where the model
 * takes 1 runs N samples one at a time; each output then stacks the samples along dimension 0.
 * Outputs are written atomically: `-o file.npy` for a single-output model, or `-o directory` with
 * one `<output name>.npy` per output, each to a temporary file beside it (`<path>.tmp<pid>`),
 * flushed and fsync()ed, then renamed into place. The temporary file is removed on every error
 * and when SIGINT, SIGTERM or SIGHUP ends the run. An output that is the model or one of the
 * inputs — however spelled: `./x.npy`, `dir/../x.npy`, a symbolic or hard link — is refused
 * before anything runs.
 *
 * Exit status: 0, or 1 with an `edge-run: error: ...` line on stderr. --help prints every option;
 * --version the runtime's version (edge_version()) and the .edgem format major version it reads.
 *
 * --profile times each operator, as TFLite's benchmark_model does: after one untimed warm-up run,
 * --repeat N runs (20 when not given) with an observer on the context (edge_context_set_observer),
 * then a table of the operators sorted by their mean time per run, one of the operator kinds, and
 * the total.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008 with realpath() and fsync() */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "edge.h"

/* The temporary file an output is being written to, removed by fail() and by the signal handlers.
   The name is written only while `temporary_active` is 0; it becomes 1 once the file exists and 0
   again once it is renamed, both with the termination signals blocked. */
static char temporary_path[PATH_MAX + 32];
static volatile sig_atomic_t temporary_active;

static void remove_temporary(void)
{
    if (temporary_active) unlink(temporary_path);
    temporary_active = 0;
}

static void fail(const char *format, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void fail(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fputs("edge-run: error: ", stderr);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    remove_temporary();
    exit(1);
}

/* ---- signals -------------------------------------------------------------------------------------- */

static const int termination_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void termination_signal_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < sizeof termination_signals / sizeof termination_signals[0]; i++) sigaddset(set, termination_signals[i]);
}

/* Async-signal-safe: unlink() the temporary file, then raise the signal again. SA_RESETHAND has put
   back the default action, so the process ends as that signal would have ended it. */
static void on_termination_signal(int number)
{
    if (temporary_active) unlink(temporary_path);
    raise(number);
}

/* Installs the handler for SIGINT, SIGTERM and SIGHUP; a signal ignored on entry (nohup) stays ignored. */
static void install_signal_handlers(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_termination_signal;
    termination_signal_set(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < sizeof termination_signals / sizeof termination_signals[0]; i++) {
        struct sigaction previous;
        if (sigaction(termination_signals[i], NULL, &previous) == 0 && previous.sa_handler == SIG_IGN) continue;
        sigaction(termination_signals[i], &action, NULL);
    }
}

static void *allocate(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) fail("out of memory (%zu bytes)", size);
    return p;
}

static const char *dtype_name(edge_dtype dtype)
{
    switch (dtype) {
    case EDGE_DTYPE_FLOAT32: return "float32";
    case EDGE_DTYPE_INT8: return "int8";
    case EDGE_DTYPE_UINT8: return "uint8";
    case EDGE_DTYPE_INT32: return "int32";
    case EDGE_DTYPE_INT64: return "int64";
    case EDGE_DTYPE_BOOL: return "bool";
    }
    return "unknown";
}

static const char *npy_descr(edge_dtype dtype)
{
    switch (dtype) {
    case EDGE_DTYPE_FLOAT32: return "<f4";
    case EDGE_DTYPE_INT8: return "|i1";
    case EDGE_DTYPE_UINT8: return "|u1";
    case EDGE_DTYPE_INT32: return "<i4";
    case EDGE_DTYPE_INT64: return "<i8";
    case EDGE_DTYPE_BOOL: return "|b1";
    }
    return "?";
}

static size_t dtype_size(edge_dtype dtype)
{
    switch (dtype) {
    case EDGE_DTYPE_FLOAT32:
    case EDGE_DTYPE_INT32: return 4;
    case EDGE_DTYPE_INT64: return 8;
    default: return 1;
    }
}

static void shape_text(const int64_t *dims, int32_t rank, char *buffer, size_t size)
{
    size_t used = (size_t)snprintf(buffer, size, "[");
    for (int32_t d = 0; d < rank && used < size; d++)
        used += (size_t)snprintf(buffer + used, size - used, d ? ",%lld" : "%lld", (long long)dims[d]);
    if (used < size) snprintf(buffer + used, size - used, "]");
}

/* ---- .npy reading ------------------------------------------------------------------------------ */

typedef struct array {
    char path[512];
    edge_dtype dtype;
    bool from_float64;
    int32_t rank;
    int64_t dims[EDGE_MAX_RANK];
    size_t count;
    uint8_t *file; /* the whole file */
    const uint8_t *data;
} array;

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail("cannot open '%s': %s", path, strerror(errno));
    size_t capacity = 1 << 16, used = 0;
    uint8_t *buffer = allocate(capacity);
    for (;;) {
        size_t n = fread(buffer + used, 1, capacity - used, f);
        used += n;
        if (used < capacity) break;
        if (capacity > SIZE_MAX / 2) fail("'%s' is too large", path);
        capacity *= 2;
        uint8_t *grown = realloc(buffer, capacity);
        if (!grown) fail("out of memory reading '%s'", path);
        buffer = grown;
    }
    if (ferror(f)) fail("cannot read '%s'", path);
    fclose(f);
    *size = used;
    return buffer;
}

/* The text after `'key':` in a header dict, or NULL. */
static const char *header_value(const char *header, const char *key)
{
    char quoted[32];
    snprintf(quoted, sizeof quoted, "'%s'", key);
    const char *at = strstr(header, quoted);
    if (!at) return NULL;
    at = strchr(at + strlen(quoted), ':');
    if (!at) return NULL;
    at++;
    while (*at == ' ') at++;
    return at;
}

/* Parses the .npy bytes f[0..size) into `a` (which points into them); `label` names them in messages. */
static void parse_npy(const char *label, const uint8_t *f, size_t size, array *a)
{
    const char *path = label;
    if (size < 10 || memcmp(f, "\x93NUMPY", 6) != 0) fail("'%s' is not a .npy file", path);
    size_t header_length, start;
    if (f[6] == 1) {
        header_length = (size_t)f[8] | (size_t)f[9] << 8;
        start = 10;
    } else if (f[6] == 2 || f[6] == 3) {
        if (size < 12) fail("'%s' is truncated", path);
        header_length = (size_t)f[8] | (size_t)f[9] << 8 | (size_t)f[10] << 16 | (size_t)f[11] << 24;
        start = 12;
    } else {
        fail("'%s': .npy format version %u is not supported", path, f[6]);
    }
    if (header_length > size - start) fail("'%s' is truncated", path);
    char *header = allocate(header_length + 1);
    memcpy(header, f + start, header_length);
    header[header_length] = 0;

    const char *descr = header_value(header, "descr");
    const char *order = header_value(header, "fortran_order");
    const char *shape = header_value(header, "shape");
    if (!descr || !order || !shape) fail("'%s': cannot read the .npy header", path);
    if (strncmp(order, "False", 5) != 0) fail("'%s' is in Fortran order; save it C-ordered", path);
    static const struct {
        const char *descr;
        edge_dtype dtype;
    } types[] = {
        {"'<f4'", EDGE_DTYPE_FLOAT32}, {"'<f8'", EDGE_DTYPE_FLOAT32}, {"'<i8'", EDGE_DTYPE_INT64}, {"'<i4'", EDGE_DTYPE_INT32},
        {"'|i1'", EDGE_DTYPE_INT8},    {"'<i1'", EDGE_DTYPE_INT8},    {"'|u1'", EDGE_DTYPE_UINT8}, {"'<u1'", EDGE_DTYPE_UINT8},
        {"'|b1'", EDGE_DTYPE_BOOL},    {"'<b1'", EDGE_DTYPE_BOOL},
    };
    size_t t = 0;
    while (t < sizeof types / sizeof types[0] && strncmp(descr, types[t].descr, strlen(types[t].descr)) != 0) t++;
    if (t == sizeof types / sizeof types[0]) {
        const char *end = strchr(descr + 1, '\'');
        fail("'%s': dtype %.*s is not supported (little-endian f4, f8, i8, i4, i1, u1 or b1)", path,
             end ? (int)(end - descr + 1) : 8, descr);
    }
    a->dtype = types[t].dtype;
    a->from_float64 = strncmp(descr, "'<f8'", 5) == 0;

    const char *p = shape;
    if (*p++ != '(') fail("'%s': cannot read the shape", path);
    a->count = 1;
    for (;;) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == ')') break;
        char *end;
        errno = 0;
        long long dim = strtoll(p, &end, 10);
        if (end == p || errno || dim < 0) fail("'%s': cannot read the shape", path);
        if (a->rank == EDGE_MAX_RANK) fail("'%s': more than %d dimensions", path, EDGE_MAX_RANK);
        a->dims[a->rank++] = dim;
        if (dim != 0 && a->count > SIZE_MAX / (size_t)dim) fail("'%s': too many elements", path);
        a->count *= (size_t)dim;
        p = end;
    }
    free(header);
    size_t element = a->from_float64 ? 8 : dtype_size(a->dtype);
    if (a->count > (size - start - header_length) / element)
        fail("'%s': holds %zu bytes of data, its shape needs %zu", path, size - start - header_length, a->count * element);
    a->data = f + start + header_length;
}

static void read_npy(const char *path, array *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->path, sizeof a->path, "%s", path);
    size_t size;
    a->file = read_file(path, &size);
    parse_npy(a->path, a->file, size, a);
}

/* ---- .npz reading: the ZIP archive np.savez writes, one stored `<name>.npy` per array ---------- */

static uint64_t le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* `name` with every byte outside printable ASCII shown as '?', for messages about damaged files. */
static const char *printable(const char *name, size_t length, char *buffer, size_t size)
{
    size_t n = 0;
    for (; n < length && n + 1 < size; n++) buffer[n] = name[n] >= 0x20 && name[n] < 0x7f ? name[n] : '?';
    buffer[n] = 0;
    return buffer;
}

/* The zip64 extended field of a central directory entry: replaces each 32-bit field that is 0xFFFFFFFF. */
static void zip64_fields(const char *path, const uint8_t *extra, size_t length, uint64_t *fields[3])
{
    for (size_t at = 0; at + 4 <= length;) {
        size_t id = le(extra + at, 2), size = le(extra + at + 2, 2);
        if (size > length - at - 4) fail("'%s': a damaged zip64 field", path);
        if (id == 1) {
            size_t used = 0;
            for (int k = 0; k < 3; k++) {
                if (*fields[k] != 0xFFFFFFFFu) continue;
                if (used + 8 > size) fail("'%s': a damaged zip64 field", path);
                *fields[k] = le(extra + at + 4 + used, 8);
                used += 8;
            }
        }
        at += 4 + size;
    }
}

/* Calls `take` for every array of the archive at `path` (read whole into `file`) with its name
   (without `.npy`) and its .npy bytes. Every offset and length is checked against the file;
   compressed entries (np.savez_compressed) are refused, since the device program links no inflater. */
static void read_npz(const char *path, const uint8_t *file, size_t size,
                     void (*take)(void *user, const char *name, const uint8_t *npy, size_t length), void *user)
{
    /* The end-of-central-directory record: the last "PK\5\6" within 65,557 bytes of the end. */
    size_t end = SIZE_MAX;
    for (size_t back = 22; back <= size && back <= 65557 && end == SIZE_MAX; back++)
        if (memcmp(file + size - back, "PK\5\6", 4) == 0) end = size - back;
    if (end == SIZE_MAX) fail("'%s' is not a .npz (ZIP) archive", path);
    uint64_t entries = le(file + end + 10, 2), directory = le(file + end + 16, 4);
    /* Zip64: the locator just before points at the zip64 end record with 64-bit counts. */
    if ((entries == 0xFFFF || directory == 0xFFFFFFFFu) && end >= 20 && memcmp(file + end - 20, "PK\6\7", 4) == 0) {
        uint64_t record = le(file + end - 20 + 8, 8);
        if (record > size || size - record < 56 || memcmp(file + record, "PK\6\6", 4) != 0) fail("'%s': a damaged zip64 end record", path);
        entries = le(file + record + 32, 8);
        directory = le(file + record + 48, 8);
    }
    uint64_t at = directory;
    for (uint64_t e = 0; e < entries; e++) {
        if (at > size || size - at < 46 || memcmp(file + at, "PK\1\2", 4) != 0) fail("'%s': a damaged central directory", path);
        const uint8_t *c = file + at;
        uint64_t method = le(c + 10, 2), stored = le(c + 20, 4), length = le(c + 24, 4), local = le(c + 42, 4);
        size_t name_length = le(c + 28, 2), extra_length = le(c + 30, 2), comment_length = le(c + 32, 2);
        if (46 + name_length + extra_length + comment_length > size - at) fail("'%s': a damaged central directory", path);
        uint64_t *fields[3] = {&length, &stored, &local};
        zip64_fields(path, c + 46 + name_length, extra_length, fields);
        char name[256], shown[256];
        if (name_length < 5 || name_length >= sizeof name || memcmp(c + 46 + name_length - 4, ".npy", 4) != 0)
            fail("'%s' holds '%s', which is not a .npy array", path, printable((const char *)c + 46, name_length, shown, 200));
        memcpy(name, c + 46, name_length - 4);
        name[name_length - 4] = 0;
        printable(name, name_length - 4, shown, sizeof shown);
        if (method != 0) fail("'%s': array '%s' is compressed; edge-run reads np.savez archives (stored), not np.savez_compressed", path, shown);
        if (stored != length) fail("'%s': array '%s' is damaged (stored and full sizes differ)", path, shown);
        if (local > size || size - local < 30 || memcmp(file + local, "PK\3\4", 4) != 0) fail("'%s': array '%s' has a damaged local header", path, shown);
        uint64_t data = local + 30 + le(file + local + 26, 2) + le(file + local + 28, 2);
        if (data > size || length > size - data) fail("'%s': array '%s' runs past the end of the file", path, shown);
        take(user, name, file + data, (size_t)length);
        at += 46 + name_length + extra_length + comment_length;
    }
}

/* The --input archives read whole, one per --input at most (there are at most 256). */
static uint8_t *archives[256];
static int archive_count;

/* What an --input FILE.npz fills: each array goes to the input of its name. */
typedef struct npz_inputs {
    const edge_model *model;
    array *arrays;
    bool *given;
    const char **input_paths;
    const char *path;
} npz_inputs;

static void take_npz_input(void *user, const char *name, const uint8_t *npy, size_t length)
{
    npz_inputs *found = user;
    int32_t index = edge_model_find_input(found->model, name);
    char shown[256];
    printable(name, strlen(name), shown, sizeof shown);
    if (index < 0) fail("'%s' holds array '%s'; the model has no input of that name", found->path, shown);
    if (found->given[index]) fail("input '%s' is given twice", shown);
    found->given[index] = true;
    found->input_paths[index] = found->path;
    array *a = &found->arrays[index];
    memset(a, 0, sizeof *a);
    snprintf(a->path, sizeof a->path, "%s[%s]", found->path, name);
    parse_npy(a->path, npy, length, a);
}

/* ---- .npy writing -------------------------------------------------------------------------------- */

static void write_npy(const char *path, edge_dtype dtype, const int64_t *dims, int32_t rank, const void *data, size_t bytes)
{
    char shape[256];
    size_t used = (size_t)snprintf(shape, sizeof shape, "(");
    for (int32_t d = 0; d < rank; d++) used += (size_t)snprintf(shape + used, sizeof shape - used, "%lld,%s", (long long)dims[d],
                                                              d + 1 < rank ? " " : "");
    if (rank > 1) used--; /* (2, 3) but (5,) */
    snprintf(shape + used, sizeof shape - used, ")");
    char header[512];
    int length = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", npy_descr(dtype), shape);
    size_t total = 10 + (size_t)length + 1;
    size_t padded = (total + 63) / 64 * 64;
    memset(header + length, ' ', padded - total);
    header[padded - 11] = '\n';
    uint8_t preamble[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)((padded - 10) & 0xFF), (uint8_t)((padded - 10) >> 8)};

    /* A new file beside `path` (the same directory, so that rename() replaces it atomically),
       created exclusively: never an existing file or a link someone left under that name. */
    sigset_t signals, previous;
    termination_signal_set(&signals);
    int fd = -1;
    for (unsigned attempt = 0; fd < 0; attempt++) {
        int length = attempt == 0 ? snprintf(temporary_path, sizeof temporary_path, "%s.tmp%ld", path, (long)getpid())
                                  : snprintf(temporary_path, sizeof temporary_path, "%s.tmp%ld-%u", path, (long)getpid(), attempt);
        if (length < 0 || (size_t)length >= sizeof temporary_path) fail("cannot write '%s': the path is too long", path);
        sigprocmask(SIG_BLOCK, &signals, &previous);
        fd = open(temporary_path, O_WRONLY | O_CREAT | O_EXCL, 0666);
        int code = errno;
        if (fd >= 0) temporary_active = 1;
        sigprocmask(SIG_SETMASK, &previous, NULL);
        if (fd < 0 && (code != EEXIST || attempt == 100)) fail("cannot write '%s': %s", path, strerror(code));
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        int code = errno;
        close(fd);
        fail("cannot write '%s': %s", path, strerror(code));
    }
    /* On the disk before the rename, so that a crash leaves the old file or the new one, whole
       (EINVAL: a file system that cannot sync, where there is nothing more to do). */
    errno = 0;
    bool ok = fwrite(preamble, 1, 10, f) == 10 && fwrite(header, 1, padded - 10, f) == padded - 10 &&
              fwrite(data, 1, bytes, f) == bytes && fflush(f) == 0 && (fsync(fileno(f)) == 0 || errno == EINVAL);
    int code = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        code = errno;
    }
    if (!ok) fail("cannot write '%s': %s", path, code ? strerror(code) : "the write was cut short");
    sigprocmask(SIG_BLOCK, &signals, &previous);
    int renamed = rename(temporary_path, path);
    code = errno;
    if (renamed == 0) temporary_active = 0;
    sigprocmask(SIG_SETMASK, &previous, NULL);
    if (renamed != 0) fail("cannot rename '%s' to '%s': %s", temporary_path, path, strerror(code));
}

/* ---- never writing over the model or an input ------------------------------------------------------ */

/* The canonical name of `path` into `buffer` (PATH_MAX bytes): realpath() of the file or, when it
   does not exist (yet), realpath() of its directory joined with its last component. */
static bool canonical_name(const char *path, char *buffer)
{
    if (realpath(path, buffer)) return true;
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    char directory[PATH_MAX], resolved[PATH_MAX];
    size_t length = slash ? (size_t)(slash - path) : 0;
    if (length >= sizeof directory || !*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) return false;
    if (slash) {
        memcpy(directory, path, length);
        directory[length] = 0;
        if (length == 0) strcpy(directory, "/");
    } else {
        strcpy(directory, ".");
    }
    if (!realpath(directory, resolved)) return false;
    int written = snprintf(buffer, PATH_MAX, "%s%s%s", resolved, strcmp(resolved, "/") == 0 ? "" : "/", base);
    return written > 0 && written < PATH_MAX;
}

/* Whether writing `output` would replace the file `other`: the same device and inode when both exist
   (however spelled, through symbolic or hard links), otherwise the same canonical name. */
static bool same_file(const char *output, const char *other)
{
    struct stat a, b;
    if (stat(output, &a) == 0 && stat(other, &b) == 0) return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    char x[PATH_MAX], y[PATH_MAX];
    return canonical_name(output, x) && canonical_name(other, y) && strcmp(x, y) == 0;
}

/* Fails when `output` (`what` says which argument it comes from) is the model or one of the inputs. */
static void refuse_overwriting(const char *what, const char *output, const char *model_path, const char *const *input_paths,
                               int32_t input_count)
{
    if (same_file(output, model_path))
        fail("%s '%s' is the model file '%s'; write the output to another file", what, output, model_path);
    for (int32_t i = 0; i < input_count; i++)
        if (same_file(output, input_paths[i]))
            fail("%s '%s' is the input file '%s'; write the output to another file", what, output, input_paths[i]);
}

/* An output name as a file name: anything but letters, digits, '.', '-' and '_' becomes '_'. */
static void safe_name(const char *name, char *buffer, size_t size)
{
    size_t i = 0;
    for (; name[i] && i + 5 < size; i++) {
        char c = name[i];
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
        buffer[i] = safe ? c : '_';
    }
    if (i == 0 || strcmp(buffer, ".") == 0 || (i == 2 && buffer[0] == '.' && buffer[1] == '.')) buffer[i++] = '_';
    buffer[i] = 0;
    strcat(buffer, ".npy");
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- main ---------------------------------------------------------------------------------------- */

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Sets every input for sample `s`: an array holding a batch of samples gives its s-th; one of the
   model's own shape, itself. */
static void set_inputs(const edge_model *model, edge_context *context, int32_t input_count, const array *arrays, uint8_t *const *input_data, size_t s)
{
    edge_error error;
    for (int32_t i = 0; i < input_count; i++) {
        edge_tensor_info info;
        edge_model_input_info(model, i, &info);
        bool sliced = arrays[i].rank == info.rank && info.rank >= 1 && arrays[i].dims[0] != info.dims[0];
        const uint8_t *bytes = input_data[i] + (sliced ? s * info.byte_size : 0);
        if (edge_context_set_input(context, i, bytes, info.byte_size, &error) != EDGE_OK) fail("%s", error.message);
    }
}

static void usage(FILE *stream)
{
    fputs("usage: edge-run MODEL.edgem --input [NAME=]FILE.npy|FILE.npz [--input ...] [-o OUT.npy | -o DIRECTORY] [--repeat N] [--profile]\n"
          "Runs a compiled .edgem model on .npy (or .npz) inputs and writes its outputs as .npy files.\n"
          "\n"
          "options:\n"
          "  -i, --input [NAME=]FILE.npy  an input (NAME may be left out when the model has one); one per input\n"
          "  -i, --input FILE.npz         the inputs named by its arrays (np.savez, not np.savez_compressed)\n"
          "  -o, --output OUT.npy|DIR     the output file, or a directory for one <output name>.npy per output\n"
          "  --repeat N                   run N times (1 to 1000000) and print the median latency\n"
          "  --profile                    time every operator over --repeat runs (20 by default) after a warm-up\n"
          "  -h, --help                   print this help and exit\n"
          "  --version                    print the runtime's version and the .edgem format it reads, and exit\n"
          "\n"
          "example:\n"
          "  edge-run digits.edgem --input input=digit.npy -o logits.npy --repeat 20\n",
          stream);
}

static void with_thousands(size_t value, char *buffer)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%zu", value), j = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) buffer[j++] = ',';
        buffer[j++] = digits[i];
    }
    buffer[j] = 0;
}

/* ---- --profile ------------------------------------------------------------------------------------ */

typedef struct profile {
    int32_t count;
    uint64_t *nanoseconds; /* per operator, summed over the profiled runs */
    uint64_t runs;         /* invokes observed (runs × samples) */
} profile;

static void profile_observe(void *user, int32_t index, const char *kind, const char *name, uint64_t nanoseconds)
{
    (void)kind;
    (void)name;
    profile *p = user;
    if (index >= 0 && index < p->count) p->nanoseconds[index] += nanoseconds;
}

static const profile *sorting_profile;

/* By time, descending; ties in run order. */
static int compare_operators(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    uint64_t tx = sorting_profile->nanoseconds[x], ty = sorting_profile->nanoseconds[y];
    if (tx != ty) return tx < ty ? 1 : -1;
    return (x > y) - (x < y);
}

typedef struct kind_total {
    const char *kind;
    int count;
    uint64_t nanoseconds;
} kind_total;

static int compare_kinds(const void *a, const void *b)
{
    const kind_total *x = a, *y = b;
    if (x->nanoseconds != y->nanoseconds) return x->nanoseconds < y->nanoseconds ? 1 : -1;
    return strcmp(x->kind, y->kind);
}

/* A node name cut to `width` characters, keeping its end (the distinctive part of "/a/b/c/Conv"). */
static const char *name_tail(const char *name, int width, char *buffer, size_t size)
{
    size_t n = strlen(name);
    if ((int)n <= width) return name;
    snprintf(buffer, size, "...%s", name + n - (size_t)(width - 3));
    return buffer;
}

static void profile_report(const edge_model *model, const profile *p, size_t runs, size_t samples)
{
    double per_run = 1e-6 / (double)p->runs; /* nanoseconds summed over runs → milliseconds per run */
    uint64_t total = 0;
    for (int32_t o = 0; o < p->count; o++) total += p->nanoseconds[o];
    int32_t *order = allocate((size_t)p->count * sizeof *order);
    for (int32_t o = 0; o < p->count; o++) order[o] = o;
    sorting_profile = p;
    qsort(order, (size_t)p->count, sizeof *order, compare_operators);

    int name_width = 4, kind_width = 4, shape_width = 6;
    for (int32_t o = 0; o < p->count; o++) {
        edge_operator_info info;
        edge_model_operator_info(model, o, &info);
        char shape[160];
        shape_text(info.output.dims, info.output.rank, shape, sizeof shape);
        int n = (int)strlen(info.name), k = (int)strlen(info.kind), s = (int)(strlen(dtype_name(info.output.dtype)) + strlen(shape));
        if (n > name_width) name_width = n;
        if (k > kind_width) kind_width = k;
        if (s > shape_width) shape_width = s;
    }
    if (name_width > 40) name_width = 40;

    printf("\nprofile  mean per run over %zu run%s", runs, runs == 1 ? "" : "s");
    if (samples > 1) printf(" of each of %zu samples", samples);
    printf(" after a warm-up run, %d operators\n", (int)p->count);
    printf("%5s  %-*s  %-*s  %-*s  %9s  %6s  %14s  %7s\n", "#", kind_width, "kind", name_width, "name", shape_width, "output", "ms", "%",
           "MACs", "GMAC/s");
    for (int32_t r = 0; r < p->count; r++) {
        int32_t o = order[r];
        edge_operator_info info;
        edge_model_operator_info(model, o, &info);
        char shape[160], output[180], cut[64], macs[32], rate[32];
        shape_text(info.output.dims, info.output.rank, shape, sizeof shape);
        snprintf(output, sizeof output, "%s%s", dtype_name(info.output.dtype), shape);
        double ms = (double)p->nanoseconds[o] * per_run;
        double share = total ? 100.0 * (double)p->nanoseconds[o] / (double)total : 0.0;
        if (info.macs) {
            with_thousands((size_t)info.macs, macs);
            snprintf(rate, sizeof rate, "%.2f", ms > 0 ? (double)info.macs / (ms * 1e-3) / 1e9 : 0.0);
        } else {
            snprintf(macs, sizeof macs, "-");
            snprintf(rate, sizeof rate, "-");
        }
        printf("%5d  %-*s  %-*s  %-*s  %9.4f  %5.1f%%  %14s  %7s\n", (int)o, kind_width, info.kind, name_width,
               name_tail(*info.name ? info.name : "-", name_width, cut, sizeof cut), shape_width, output, ms, share, macs, rate);
    }

    /* Per kind. */
    kind_total *kinds = calloc((size_t)p->count + 1, sizeof *kinds);
    if (!kinds) fail("out of memory");
    int kind_count = 0;
    uint64_t total_macs = 0;
    for (int32_t o = 0; o < p->count; o++) {
        edge_operator_info info;
        edge_model_operator_info(model, o, &info);
        total_macs += info.macs;
        int k = 0;
        while (k < kind_count && strcmp(kinds[k].kind, info.kind) != 0) k++;
        if (k == kind_count) kinds[kind_count++].kind = info.kind;
        kinds[k].count++;
        kinds[k].nanoseconds += p->nanoseconds[o];
    }
    qsort(kinds, (size_t)kind_count, sizeof *kinds, compare_kinds);
    printf("\n%-*s  %5s  %9s  %6s\n", kind_width, "kind", "count", "ms", "%");
    for (int k = 0; k < kind_count; k++)
        printf("%-*s  %5d  %9.4f  %5.1f%%\n", kind_width, kinds[k].kind, kinds[k].count, (double)kinds[k].nanoseconds * per_run,
               total ? 100.0 * (double)kinds[k].nanoseconds / (double)total : 0.0);
    double total_ms = (double)total * per_run;
    char macs[32];
    with_thousands((size_t)total_macs, macs);
    printf("%-*s  %5d  %9.4f  100.0%%  %s MACs, %.2f GMAC/s\n", kind_width, "total", (int)p->count, total_ms, macs,
           total_ms > 0 ? (double)total_macs / (total_ms * 1e-3) / 1e9 : 0.0);
    free(kinds);
    free(order);
}

int main(int argc, char **argv)
{
    const char *model_path = NULL, *output_path = NULL;
    const char *input_arguments[256];
    int input_argument_count = 0;
    long repeat = 0;
    bool profiling = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--input") == 0 || strcmp(arg, "-i") == 0) {
            if (++i == argc) fail("--input needs a value");
            if (input_argument_count == 256) fail("too many --input options");
            input_arguments[input_argument_count++] = argv[i];
        } else if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) {
            if (++i == argc) fail("-o needs a value");
            output_path = argv[i];
        } else if (strcmp(arg, "--repeat") == 0) {
            if (++i == argc) fail("--repeat needs a value");
            char *end;
            repeat = strtol(argv[i], &end, 10);
            if (*end || repeat < 1 || repeat > 1000000) fail("--repeat takes a count from 1 to 1000000, got '%s'", argv[i]);
        } else if (strcmp(arg, "--profile") == 0) {
            profiling = true;
        } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(arg, "--version") == 0) {
            printf("edge-run %s (.edgem format %d)\n", edge_version(), EDGE_FORMAT_VERSION_MAJOR);
            return 0;
        } else if (arg[0] == '-' && arg[1]) {
            usage(stderr);
            fail("unknown option '%s'", arg);
        } else if (!model_path) {
            model_path = arg;
        } else {
            usage(stderr);
            fail("unexpected argument '%s'", arg);
        }
    }
    if (!model_path) {
        usage(stderr);
        fail("no model given");
    }
    install_signal_handlers();
    if (profiling && repeat == 0) repeat = 20;

    edge_model *model;
    edge_error error;
    if (edge_model_load_file(model_path, &model, &error) != EDGE_OK) fail("%s: %s", model_path, error.message);
    int32_t input_count = edge_model_input_count(model), output_count = edge_model_output_count(model);

    bool to_file = output_path && ends_with(output_path, ".npy");
    if (to_file && output_count != 1)
        fail("the model has %d outputs; give -o a directory to write one .npy per output", (int)output_count);

    /* Match the arrays to the model's inputs. */
    array *arrays = calloc((size_t)input_count, sizeof *arrays);
    bool *given = calloc((size_t)input_count, sizeof *given);
    const char **input_paths = calloc((size_t)input_count + 1, sizeof *input_paths);
    if (!arrays || !given || !input_paths) fail("out of memory");
    for (int a = 0; a < input_argument_count; a++) {
        const char *arg = input_arguments[a], *equals = strchr(arg, '=');
        if (ends_with(arg, ".npz") && (!equals || access(arg, R_OK) == 0)) {
            /* An archive of arrays named after the inputs (one per input it holds). */
            size_t size;
            /* Kept to the end, where a static holds it: the arrays point into it. */
            archives[archive_count] = read_file(arg, &size);
            npz_inputs found = {model, arrays, given, input_paths, arg};
            read_npz(arg, archives[archive_count++], size, take_npz_input, &found);
            continue;
        }
        int32_t index = -1;
        const char *path = arg;
        if (equals) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(equals - arg), arg);
            index = edge_model_find_input(model, name);
            if (index >= 0) path = equals + 1;
            else if (access(arg, R_OK) != 0) fail("the model has no input '%s'", name);
        }
        if (index < 0) {
            if (input_count != 1) fail("'%s': name the input (NAME=FILE.npy); the model has %d inputs", arg, (int)input_count);
            index = 0;
        }
        if (given[index]) fail("input %d is given twice", (int)index);
        given[index] = true;
        input_paths[index] = path;
        read_npy(path, &arrays[index]);
    }

    /* Shapes: each array is the input itself, or N samples of an input whose first dim is 1. */
    size_t samples = 1;
    bool batched = false;
    for (int32_t i = 0; i < input_count; i++) {
        edge_tensor_info info;
        edge_model_input_info(model, i, &info);
        if (!given[i]) fail("input '%s' is not given (--input %s=FILE.npy)", info.name, info.name);
        array *a = &arrays[i];
        bool quantizable = info.dtype == EDGE_DTYPE_INT8 && info.scale > 0 && a->dtype == EDGE_DTYPE_FLOAT32;
        if (a->dtype != info.dtype && !quantizable)
            fail("'%s' holds %s, input '%s' is %s", a->path, a->from_float64 ? "float64" : dtype_name(a->dtype), info.name,
                 dtype_name(info.dtype));
        bool same = a->rank == info.rank;
        for (int32_t d = 0; d < info.rank && same; d++) same = a->dims[d] == info.dims[d];
        if (same) continue;
        bool batch = a->rank == info.rank && info.rank >= 1 && info.dims[0] == 1 && a->dims[0] >= 1;
        for (int32_t d = 1; d < info.rank && batch; d++) batch = a->dims[d] == info.dims[d];
        char s1[128], s2[128];
        shape_text(a->dims, a->rank, s1, sizeof s1);
        shape_text(info.dims, info.rank, s2, sizeof s2);
        if (!batch) fail("'%s' has shape %s, input '%s' takes %s", a->path, s1, info.name, s2);
        if (batched && (size_t)a->dims[0] != samples)
            fail("'%s' holds %lld samples, another input %zu", a->path, (long long)a->dims[0], samples);
        batched = true;
        samples = (size_t)a->dims[0];
    }

    /* Before anything runs: no output may replace the model or an input. */
    if (output_path) {
        refuse_overwriting("-o", output_path, model_path, input_paths, input_count);
        for (int32_t o = 0; o < output_count && !to_file; o++) {
            edge_tensor_info info;
            edge_model_output_info(model, o, &info);
            char file[300], path[1024];
            safe_name(info.name, file, sizeof file);
            snprintf(path, sizeof path, "%s/%s", output_path, file);
            refuse_overwriting("the output file", path, model_path, input_paths, input_count);
        }
    }

    edge_context *context;
    if (edge_context_create(model, NULL, 0, &context, &error) != EDGE_OK) fail("%s", error.message);

    /* Per input, one sample's bytes in the model's dtype (float64 converted once; real numbers for
       an int8 input quantized once, exactly as the model's own QUANTIZE would). */
    uint8_t **input_data = calloc((size_t)input_count, sizeof *input_data);
    if (!input_data) fail("out of memory");
    for (int32_t i = 0; i < input_count; i++) {
        array *a = &arrays[i];
        edge_tensor_info info;
        edge_model_input_info(model, i, &info);
        const float *reals = NULL;
        float *converted = NULL;
        if (a->from_float64) {
            converted = allocate(a->count * sizeof(float));
            for (size_t e = 0; e < a->count; e++) {
                double v;
                memcpy(&v, a->data + 8 * e, 8);
                converted[e] = (float)v;
            }
            reals = converted;
        } else if (a->dtype == EDGE_DTYPE_FLOAT32) {
            reals = (const float *)(const void *)a->data;
        }
        if (info.dtype == EDGE_DTYPE_INT8 && reals) {
            int8_t *quantized = allocate(a->count);
            if (!converted && ((uintptr_t)a->data % sizeof(float)) != 0) {
                converted = allocate(a->count * sizeof(float));
                memcpy(converted, a->data, a->count * sizeof(float));
                reals = converted;
            }
            edge_quantize(reals, a->count, info.scale, info.zero_point, quantized);
            free(converted);
            input_data[i] = (uint8_t *)quantized;
        } else if (converted) {
            input_data[i] = (uint8_t *)converted;
        } else {
            input_data[i] = (uint8_t *)(uintptr_t)a->data;
        }
    }
    uint8_t **outputs = calloc((size_t)output_count, sizeof *outputs);
    if (!outputs) fail("out of memory");
    for (int32_t o = 0; o < output_count; o++) {
        edge_tensor_info info;
        edge_model_output_info(model, o, &info);
        if (samples > 1 && info.byte_size > SIZE_MAX / samples) fail("output '%s' is too large for %zu samples", info.name, samples);
        outputs[o] = allocate(info.byte_size * samples);
    }
    size_t runs = repeat > 0 ? (size_t)repeat : 1;
    double *timings = allocate(runs * samples * sizeof(double));
    profile observed = {0};
    if (profiling) {
        observed.count = edge_model_operator_count(model);
        observed.nanoseconds = calloc((size_t)observed.count + 1, sizeof *observed.nanoseconds);
        if (!observed.nanoseconds) fail("out of memory");
    }

    if (profiling) {
        /* The warm-up run (caches, page faults of the weights), untimed; then the observer. */
        set_inputs(model, context, input_count, arrays, input_data, 0);
        if (edge_context_invoke(context, &error) != EDGE_OK) fail("%s", error.message);
        if (edge_context_set_observer(context, profile_observe, &observed, &error) != EDGE_OK) fail("%s", error.message);
    }
    for (size_t s = 0; s < samples; s++) {
        for (size_t r = 0; r < runs; r++) {
            /* Inputs again before every run: the memory plan may reuse an input's bytes once it is read. */
            set_inputs(model, context, input_count, arrays, input_data, s);
            double start = now_seconds();
            edge_status status = edge_context_invoke(context, &error);
            timings[s * runs + r] = now_seconds() - start;
            if (status != EDGE_OK) fail("%s", error.message);
            observed.runs++;
        }
        for (int32_t o = 0; o < output_count; o++) {
            edge_tensor_info info;
            edge_model_output_info(model, o, &info);
            memcpy(outputs[o] + s * info.byte_size, edge_context_output(context, o), info.byte_size);
        }
    }

    if (output_path && !to_file) {
        struct stat st;
        if (stat(output_path, &st) != 0) {
            if (mkdir(output_path, 0777) != 0) fail("cannot create directory '%s': %s", output_path, strerror(errno));
        } else if (!S_ISDIR(st.st_mode)) {
            fail("'%s' is not a directory (name a .npy file or a directory)", output_path);
        }
    }
    for (int32_t o = 0; o < output_count; o++) {
        edge_tensor_info info;
        edge_model_output_info(model, o, &info);
        int64_t dims[EDGE_MAX_RANK + 1];
        int32_t rank = info.rank;
        memcpy(dims, info.dims, sizeof info.dims);
        if (batched) {
            if (rank >= 1 && dims[0] == 1) {
                dims[0] = (int64_t)samples;
            } else {
                memmove(dims + 1, dims, sizeof(int64_t) * (size_t)rank);
                dims[0] = (int64_t)samples;
                rank++;
            }
        }
        char shape[160];
        shape_text(dims, rank, shape, sizeof shape);
        if (info.scale > 0) printf("%s  %s%s  real = %g * (q - %d)\n", info.name, dtype_name(info.dtype), shape, (double)info.scale, (int)info.zero_point);
        else printf("%s  %s%s\n", info.name, dtype_name(info.dtype), shape);
        if (output_path) {
            char path[1024];
            if (to_file) {
                snprintf(path, sizeof path, "%s", output_path);
            } else {
                char file[300];
                safe_name(info.name, file, sizeof file);
                snprintf(path, sizeof path, "%s/%s", output_path, file);
            }
            write_npy(path, info.dtype, dims, rank, outputs[o], info.byte_size * samples);
        }
    }
    if (repeat > 0) {
        size_t n = runs * samples;
        qsort(timings, n, sizeof *timings, compare_doubles);
        double median = n % 2 ? timings[n / 2] : (timings[n / 2 - 1] + timings[n / 2]) / 2;
        char arena[32], weights[32];
        with_thousands(edge_model_arena_size(model), arena);
        with_thousands(edge_model_weight_bytes(model), weights);
        printf("invoke  median %.3f ms, fastest %.3f ms over %zu run%s", median * 1e3, timings[0] * 1e3, runs, runs == 1 ? "" : "s");
        if (samples > 1) printf(" of each of %zu samples", samples);
        printf("\nmemory  arena %s bytes, weights %s bytes\n", arena, weights);
    }
    if (profiling) profile_report(model, &observed, runs, samples);

    for (int32_t o = 0; o < output_count; o++) free(outputs[o]);
    for (int32_t i = 0; i < input_count; i++) {
        if (arrays[i].from_float64) free(input_data[i]);
        free(arrays[i].file);
    }
    for (int i = 0; i < archive_count; i++) free(archives[i]);
    free(outputs);
    free(input_data);
    free(arrays);
    free(given);
    free(input_paths);
    free(timings);
    free(observed.nanoseconds);
    edge_context_free(context);
    edge_model_free(model);
    return 0;
}
