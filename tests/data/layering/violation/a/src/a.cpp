#include "../../c/src/c_private.hpp"
#include "fhirgw/b/b.hpp"
#include "fhirgw/c/c.hpp"
