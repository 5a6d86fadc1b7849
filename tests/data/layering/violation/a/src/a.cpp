#include "fhirgw/b/b.hpp"
#include "fhirgw/c/c.hpp"
