// libjpeg-turbo's TurboJPEG API (Debian's libturbojpeg0-dev) for Swift: decoding JPEG calibration
// and evaluation images. Its calls return an error string where libjpeg's would longjmp.
#include <turbojpeg.h>
