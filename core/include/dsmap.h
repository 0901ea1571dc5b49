/*
 * dsmap: data-subject inventory and lineage mapper.
 *
 * The umbrella header: include this one.  Link with `pkg-config --libs dsmap`.
 * Plugins include <dsmap/plugin.h> alone and never link against libdsmap.
 */
#ifndef DSMAP_H
#define DSMAP_H

#include "dsmap/common.h"
#include "dsmap/version.h"
#include "dsmap/errors.h"
#include "dsmap/ident.h"
#include "dsmap/store.h"
#include "dsmap/workspace.h"
#include "dsmap/plugins.h"
#include "dsmap/mapping.h"
#include "dsmap/lineage.h"
#include "dsmap/diff.h"
#include "dsmap/history.h"
#include "dsmap/locate.h"
#include "dsmap/ls.h"
#include "dsmap/ropa.h"
#include "dsmap/audit.h"
#include "dsmap/dpv.h"
#include "dsmap/scan.h"
#include "dsmap/token.h"
#include "dsmap/accesslog.h"
#include "dsmap/agent.h"
#include "dsmap/replica.h"

#endif /* DSMAP_H */
