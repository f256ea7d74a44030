// OpenBLAS (Debian's libopenblas-dev) for Swift: the host executor's matrix products, which
// calibration and training spend their time in. The device runtime never links it.
#include <cblas.h>
