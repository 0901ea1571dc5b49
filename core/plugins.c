/*
 * The plugin host: finding, vetting and loading plugins.
 */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "dsmap/plugin.h"
#include "dsmap/plugins.h"
#include "errors.h"
#include "plugins.h"
#include "util.h"

#ifndef DSMAP_PLUGIN_DIR
# define DSMAP_PLUGIN_DIR "/usr/local/lib/dsmap"
#endif

/* The descriptor of ABI 1.0 ends with `close`: anything shorter is broken. */
#define MIN_DESCRIPTOR_SIZE \
	(offsetof(dsmap_plugin_descriptor, close) + sizeof(((dsmap_plugin_descriptor *)0)->close))

const char *dsmap_plugin_install_dir(void)
{
	return DSMAP_PLUGIN_DIR;
}

/*
 * An uninstalled dsmap (the CLI of a build tree, run through its libtool
 * wrapper, or a test program of that tree) loads the plugins built beside
 * it.  configure records its build tree in DSMAP_BUILD_DIR; the plugins'
 * directory is searched only when the running executable lives inside that
 * tree, so an installed dsmap never looks into a build tree.
 */
static char build_plugin_dir[PATH_MAX];
static pthread_once_t build_plugin_once = PTHREAD_ONCE_INIT;

static void find_build_plugin_dir(void)
{
#ifdef DSMAP_BUILD_DIR
	char link[PATH_MAX], exe[PATH_MAX], top[PATH_MAX], dir[PATH_MAX];
	struct stat sb;
	ssize_t n;
	size_t len;
	int w;

	/* readlink, not realpath on /proc/self/exe: valgrind answers it. */
	if ((n = readlink("/proc/self/exe", link, sizeof(link) - 1)) <= 0)
		return;
	link[n] = '\0';
	if (realpath(link, exe) == NULL || realpath(DSMAP_BUILD_DIR, top) == NULL)
		return;
	len = strlen(top);
	if (len < 2 || strncmp(exe, top, len) != 0 || exe[len] != '/')
		return;
	w = snprintf(dir, sizeof(dir), "%s/plugins/.libs", top);
	if (w < 0 || (size_t)w >= sizeof(dir) || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return;
	memcpy(build_plugin_dir, dir, (size_t)w + 1);
#endif
}

const char *dsmap_plugin_build_dir(void)
{
	pthread_once(&build_plugin_once, find_build_plugin_dir);
	return build_plugin_dir[0] ? build_plugin_dir : NULL;
}

/* Loading a plugin runs its code: refuse files others could have changed. */
static int vet_file(const char *path)
{
	struct stat sb;
	char *dir = NULL, *tmp;
	int rc = 0;

	if (stat(path, &sb) != 0)
		return dsmap_error__errno(dsmap_error__from_errno(errno), errno, "plugin %s", path);
	if (!S_ISREG(sb.st_mode))
		return dsmap_error__set(DSMAP_EINVALID, "plugin %s: not a regular file", path);
	if (sb.st_mode & S_IWOTH)
		return dsmap_error__set(DSMAP_EPERM,
		    "plugin %s: refused: the file is world-writable (mode %04o)", path,
		    (unsigned int)(sb.st_mode & 07777));
	if (sb.st_uid != 0 && sb.st_uid != geteuid())
		return dsmap_error__set(DSMAP_EPERM,
		    "plugin %s: refused: owned by uid %u, neither root nor you (uid %u)", path,
		    (unsigned int)sb.st_uid, (unsigned int)geteuid());
	if ((tmp = dsmap__strdup(path)) == NULL)
		return dsmap_error__oom();
	dir = dirname(tmp);
	if (stat(dir, &sb) == 0 && (sb.st_mode & S_IWOTH) && !(sb.st_mode & S_ISVTX))
		rc = dsmap_error__set(DSMAP_EPERM,
		    "plugin %s: refused: its directory %s is world-writable", path, dir);
	free(tmp);
	return rc;
}

int dsmap_plugin_load(dsmap_plugin **out, const char *path)
{
	dsmap_plugin *p = NULL;
	dsmap_plugin_entry_fn entry;
	const dsmap_plugin_descriptor *d;
	void *sym;
	int rc;

	if (out == NULL || path == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_plugin_load: NULL argument");
	*out = NULL;
	if ((rc = vet_file(path)) < 0)
		return rc;
	if ((p = dsmap__calloc(1, sizeof(*p))) == NULL || (p->info.path = dsmap__strdup(path)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	dlerror();
	if ((p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		rc = dsmap_error__set(DSMAP_EINVALID, "plugin %s: cannot load: %s", path, dlerror());
		goto done;
	}
	sym = dlsym(p->handle, DSMAP_PLUGIN_ENTRY_SYMBOL);
	if (sym == NULL) {
		rc = dsmap_error__set(DSMAP_EINVALID,
		    "plugin %s: not a dsmap plugin (no %s function)", path, DSMAP_PLUGIN_ENTRY_SYMBOL);
		goto done;
	}
	/* dlsym returns an object pointer; POSIX guarantees the conversion. */
	memcpy(&entry, &sym, sizeof(entry));
	if ((d = entry()) == NULL) {
		rc = dsmap_error__set(DSMAP_EINVALID, "plugin %s: its entry point returned nothing",
		                      path);
		goto done;
	}
	if (d->abi_major != DSMAP_PLUGIN_ABI_MAJOR) {
		rc = dsmap_error__set(DSMAP_EABI,
		    "plugin %s: built for plugin ABI %u.%u, this dsmap speaks %d.%d "
		    "(the major versions must match); rebuild the plugin",
		    path, d->abi_major, d->abi_minor, DSMAP_PLUGIN_ABI_MAJOR, DSMAP_PLUGIN_ABI_MINOR);
		goto done;
	}
	if (d->abi_minor > DSMAP_PLUGIN_ABI_MINOR) {
		rc = dsmap_error__set(DSMAP_EABI,
		    "plugin %s: built for plugin ABI %u.%u, newer than this dsmap's %d.%d; "
		    "upgrade dsmap", path, d->abi_major, d->abi_minor,
		    DSMAP_PLUGIN_ABI_MAJOR, DSMAP_PLUGIN_ABI_MINOR);
		goto done;
	}
	if (d->struct_size < MIN_DESCRIPTOR_SIZE) {
		rc = dsmap_error__set(DSMAP_EABI,
		    "plugin %s: its descriptor is %zu bytes, shorter than ABI %u.%u's %zu",
		    path, d->struct_size, d->abi_major, d->abi_minor, (size_t)MIN_DESCRIPTOR_SIZE);
		goto done;
	}
	if (d->name == NULL || d->name[0] == '\0' || d->open == NULL || d->scan == NULL ||
	    d->close == NULL) {
		rc = dsmap_error__set(DSMAP_EINVALID,
		    "plugin %s: its descriptor lacks a name, open, scan or close", path);
		goto done;
	}
	p->desc = d;
	p->info.name = d->name;
	p->info.version = d->version ? d->version : "";
	p->info.description = d->description ? d->description : "";
	p->info.config_help = d->config_help ? d->config_help : "";
	p->info.abi_major = d->abi_major;
	p->info.abi_minor = d->abi_minor;
	p->info.has_lookup = d->lookup != NULL;
	*out = p;
	p = NULL;
	rc = 0;
done:
	dsmap_plugin_free(p);
	return rc;
}

const dsmap_plugin_info *dsmap_plugin_info_get(const dsmap_plugin *plugin)
{
	return plugin ? &plugin->info : NULL;
}

void dsmap_plugin_free(dsmap_plugin *p)
{
	if (p == NULL)
		return;
	if (p->handle != NULL)
		dlclose(p->handle);
	free((char *)p->info.path);
	free(p);
}

/* The search path as a newly allocated string: the given one, or
 * $DSMAP_PLUGIN_PATH, then an uninstalled build's plugins, then the
 * install directory. */
static char *search_path_of(const char *search_path)
{
	const char *env, *build;

	if (search_path != NULL)
		return dsmap__strdup(search_path);
	env = getenv("DSMAP_PLUGIN_PATH");
	if (env != NULL && env[0] == '\0')
		env = NULL;
	build = dsmap_plugin_build_dir();
	return dsmap__sprintf("%s%s%s%s%s", env ? env : "", env ? ":" : "",
	                      build ? build : "", build ? ":" : "", DSMAP_PLUGIN_DIR);
}

static int is_plugin_name(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && name[0] != '.' && strcmp(name + n - 3, ".so") == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.so names of one directory, sorted; missing directories are empty. */
static int list_dir(char ***out, size_t *count, const char *dir)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, **grown;
	size_t n = 0, cap = 0;

	*out = NULL;
	*count = 0;
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!is_plugin_name(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((grown = dsmap__realloc(names, cap * sizeof(*names))) == NULL)
				goto oom;
			names = grown;
		}
		if ((names[n] = dsmap__strdup(e->d_name)) == NULL)
			goto oom;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	*out = names;
	*count = n;
	return 0;
oom:
	closedir(d);
	while (n > 0)
		free(names[--n]);
	free(names);
	return dsmap_error__oom();
}

static void free_names(char **names, size_t n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}

int dsmap_plugin_each(const char *search_path, dsmap_plugin_each_fn fn, void *payload)
{
	char *path, *dir, *save = NULL;
	char **seen = NULL, **grown;
	size_t nseen = 0, i, j;
	int rc = 0;

	if ((path = search_path_of(search_path)) == NULL)
		return dsmap_error__oom();
	for (dir = strtok_r(path, ":", &save); rc == 0 && dir != NULL;
	     dir = strtok_r(NULL, ":", &save)) {
		char **names;
		size_t n;

		if ((rc = list_dir(&names, &n, dir)) < 0)
			break;
		for (i = 0; rc == 0 && i < n; i++) {
			dsmap_plugin *p = NULL;
			char *file;

			for (j = 0; j < nseen; j++)
				if (strcmp(seen[j], names[i]) == 0)
					break;
			if (j < nseen)
				continue;
			if ((grown = dsmap__realloc(seen, (nseen + 1) * sizeof(*seen))) == NULL ||
			    (grown[nseen] = dsmap__strdup(names[i])) == NULL) {
				if (grown != NULL)
					seen = grown;
				rc = dsmap_error__oom();
				break;
			}
			seen = grown;
			nseen++;
			if ((file = dsmap__path_join(dir, names[i])) == NULL) {
				rc = dsmap_error__oom();
				break;
			}
			if (dsmap_plugin_load(&p, file) == 0)
				rc = fn(file, p, NULL, payload);
			else
				rc = fn(file, NULL, dsmap_error_last()->message, payload);
			dsmap_plugin_free(p);
			free(file);
		}
		free_names(names, n);
	}
	free_names(seen, nseen);
	free(path);
	return rc;
}

int dsmap_plugin__locate(char **out, const char *search_path, const char *name)
{
	char *path, *dir, *save = NULL, *file = NULL, *base;
	int rc;

	*out = NULL;
	if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL || name[0] == '.')
		return dsmap_error__set(DSMAP_EINVALID, "plugin name '%s' is not valid",
		                        name ? name : "(null)");
	if ((path = search_path_of(search_path)) == NULL ||
	    (base = dsmap__sprintf("%s.so", name)) == NULL) {
		free(path);
		return dsmap_error__oom();
	}
	rc = DSMAP_ENOTFOUND;
	for (dir = strtok_r(path, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		if ((file = dsmap__path_join(dir, base)) == NULL) {
			rc = dsmap_error__oom();
			break;
		}
		if (access(file, F_OK) == 0) {
			*out = file;
			file = NULL;
			rc = 0;
			break;
		}
		free(file);
		file = NULL;
	}
	if (rc == DSMAP_ENOTFOUND) {
		char *again = search_path_of(search_path);

		if (search_path != NULL)
			dsmap_error__set(DSMAP_ENOTFOUND, "no plugin '%s' (%s) in %s", name, base,
			                 again ? again : "the plugin path");
		else
			dsmap_error__set(DSMAP_ENOTFOUND,
			    "no plugin '%s' (%s) in %s; set DSMAP_PLUGIN_PATH to the directory "
			    "that holds it", name, base, again ? again : "the plugin path");
		free(again);
	}
	free(base);
	free(path);
	return rc;
}

int dsmap_plugin_find(dsmap_plugin **out, const char *search_path, const char *name)
{
	char *file = NULL;
	int rc;

	if (out == NULL || name == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_plugin_find: NULL argument");
	*out = NULL;
	if ((rc = dsmap_plugin__locate(&file, search_path, name)) < 0)
		return rc;
	rc = dsmap_plugin_load(out, file);
	if (rc == 0 && strcmp((*out)->info.name, name) != 0) {
		rc = dsmap_error__set(DSMAP_EINVALID, "plugin %s: calls itself '%s', not '%s'", file,
		                      (*out)->info.name, name);
		dsmap_plugin_free(*out);
		*out = NULL;
	}
	free(file);
	return rc;
}
