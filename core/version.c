/*
 * The library's version at run time.
 */
#include "config.h"

#include "dsmap/version.h"

const char *dsmap_version(int *major, int *minor, int *patch)
{
	if (major)
		*major = DSMAP_VERSION_MAJOR;
	if (minor)
		*minor = DSMAP_VERSION_MINOR;
	if (patch)
		*patch = DSMAP_VERSION_PATCH;
	return PACKAGE_VERSION;
}
