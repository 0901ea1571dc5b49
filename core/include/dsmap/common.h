/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * common.h: the export macro and the few definitions every public header
 * shares.  Include <dsmap.h> rather than this file.
 */
#ifndef DSMAP_COMMON_H
#define DSMAP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
# define DSMAP_BEGIN_DECL extern "C" {
# define DSMAP_END_DECL }
#else
# define DSMAP_BEGIN_DECL
# define DSMAP_END_DECL
#endif

/*
 * DSMAP_EXTERN marks a symbol of the public API.  The library is built with
 * -fvisibility=hidden, so only what carries this macro is exported.
 */
#if defined(__GNUC__) && __GNUC__ >= 4
# define DSMAP_EXTERN(type) __attribute__((visibility("default"))) type
#else
# define DSMAP_EXTERN(type) type
#endif

#endif /* DSMAP_COMMON_H */
