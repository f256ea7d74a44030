// libpng (Debian's libpng-dev) for Swift: decoding PNG calibration and evaluation images through
// its simplified png_image API, which reports errors as a message instead of a longjmp.
#include <png.h>
