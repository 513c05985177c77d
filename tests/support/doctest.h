#pragma once
// Debian ships <doctest/doctest.h>; doctest's own meson build exposes <doctest.h>.
#if __has_include(<doctest/doctest.h>)
#include <doctest/doctest.h>
#else
#include <doctest.h>
#endif
