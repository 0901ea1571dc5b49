/*
 * Workspaces: a git repository of mappings, the store and the secret key.
 */
#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "alloc.h"
#include "dsmap/workspace.h"
#include "embedded.h"
#include "git.h"
#include "store.h"
#include "util.h"
#include "workspace.h"

#define DOTDIR ".dsmap"
#define MAX_SEED_FILE (16u << 20)

static const char default_message[] =
	"Import the shipped notice mapping\n\n"
	"The notice as data: categories, recipients, subject kinds, rights and\n"
	"processing purposes, as shipped with dsmap " PACKAGE_VERSION ".\n";

const char *dsmap_workspace_path(const dsmap_workspace *ws)
{
	return ws ? ws->path : NULL;
}

dsmap_store *dsmap_workspace_store(dsmap_workspace *ws)
{
	return ws ? ws->store : NULL;
}

void dsmap_workspace_free(dsmap_workspace *ws)
{
	if (ws == NULL)
		return;
	dsmap_store_free(ws->store);
	if (ws->repo != NULL)
		git_repository_free(ws->repo);
	if (ws->git_ready)
		dsmap_git__shutdown();
	sodium_memzero(ws->key, sizeof(ws->key));
	free(ws->path);
	free(ws->dotdir);
	free(ws);
}

static int read_key(dsmap_workspace *ws)
{
	char *path, *buf = NULL;
	size_t len = 0;
	int rc;

	/* its mode and owner were checked with the rest (check_private) */
	if ((path = dsmap__path_join(ws->dotdir, "secret.key")) == NULL)
		return dsmap_error__oom();
	if ((rc = dsmap__read_file(&buf, &len, path, 4096)) < 0) {
		dsmap_error__prefix(rc, "workspace %s: secret key", ws->path);
		goto done;
	}
	if (len != sizeof(ws->key)) {
		rc = dsmap_error__set(DSMAP_ECORRUPT,
		    "workspace %s: secret key %s is %zu bytes, expected %zu",
		    ws->path, path, len, sizeof(ws->key));
		goto done;
	}
	memcpy(ws->key, buf, sizeof(ws->key));
	rc = 0;
done:
	if (buf != NULL) {
		sodium_memzero(buf, len);
		free(buf);
	}
	free(path);
	return rc;
}

/* ---- permissions -------------------------------------------------------- */

/* `path` as a shell word: as it is when it needs no quoting, else in
 * double quotes (the message puts the command in single quotes). */
static void shell_word(struct dsmap__out *o, const char *path)
{
	const char *p;

	if (path[strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                      "0123456789/._-+,:@%=")] == '\0') {
		dsmap__outf(o, "%s", path);
		return;
	}
	dsmap__outf(o, "\"");
	for (p = path; *p; p++)
		dsmap__outf(o, "%s%c", strchr("\"$`\\", *p) ? "\\" : "", *p);
	dsmap__outf(o, "\"");
}

static void user_name(char *buf, size_t size, uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "%lu", (unsigned long)uid);
}

/* What check_private() looks at: a path under the workspace (NULL: the
 * top directory), and the mode bits it must not have. */
static const struct {
	const char *rel;
	mode_t deny;
} private_parts[] = {
	{ NULL, 022 },
	{ DOTDIR, 022 },
	{ DOTDIR "/secret.key", 077 },   /* no one else reads the secret either */
	{ DOTDIR "/store", 022 },
	{ DOTDIR "/store/data.mdb", 022 },
	{ DOTDIR "/store/lock.mdb", 022 },
	{ DOTDIR "/tokens", 077 },       /* who may read every person's data */
	{ DOTDIR "/access.log", 077 },   /* and who did */
};

/*
 * Refuse a workspace that someone else could change under us: its top
 * directory, .dsmap/, the store's directory and files and the key, when
 * group or others may write them (or, for the key, read them), or when
 * another user owns them.  A part that does not exist yet is passed over.
 * `parts` is how many of private_parts to look at (1: the top only, as
 * init does before it creates anything).  Returns 0, or DSMAP_EPERM with
 * each problem and the chmod or chown that puts it right.
 */
/* Is `path` below directory `dir`? */
static int below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static int check_private(const char *top, size_t parts)
{
	struct dsmap__out o = { NULL, 0, 0, 0 };
	char me[64], owner[64], *chowned = NULL;   /* a directory chowned with -R */
	size_t i, problems = 0;
	uid_t uid = geteuid();
	int rc = 0;

	for (i = 0; i < parts && rc == 0; i++) {
		const char *rel = private_parts[i].rel;
		char *path = rel ? dsmap__path_join(top, rel) : dsmap__strdup(top);
		struct stat sb;

		if (path == NULL) {
			rc = dsmap_error__oom();
			break;
		}
		if (stat(path, &sb) != 0) {
			if (errno != ENOENT)
				rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno,
				                        "workspace %s: %s", top, path);
			free(path);
			continue;
		}
		/* a directory chowned -R takes what it holds along */
		if (sb.st_uid != uid && (chowned == NULL || !below(path, chowned))) {
			user_name(me, sizeof(me), uid);   /* only now: NSS may be slow */
			user_name(owner, sizeof(owner), sb.st_uid);
			dsmap__outf(&o, "%s%s is owned by %s, not by you (%s): run '%s %s ",
			            problems++ ? "; " : "", path, owner, me,
			            S_ISDIR(sb.st_mode) ? "chown -R" : "chown", me);
			shell_word(&o, path);
			dsmap__outf(&o, "'%s, or use dsmap as %s", uid == 0 ? "" : " as root", owner);
			if (S_ISDIR(sb.st_mode) && chowned == NULL && (chowned = dsmap__strdup(path)) == NULL)
				rc = dsmap_error__oom();
		}
		if ((sb.st_mode & private_parts[i].deny) != 0) {
			int secret = private_parts[i].deny == 077;

			dsmap__outf(&o, "%s%s is %s by group or others (mode %04o): run '%s ",
			            problems++ ? "; " : "", path,
			            secret ? "readable or writable" : "writable",
			            (unsigned int)(sb.st_mode & 07777), secret ? "chmod 600" : "chmod go-w");
			shell_word(&o, path);
			dsmap__outf(&o, "'");
		}
		free(path);
	}
	if (rc == 0 && o.oom)
		rc = dsmap_error__oom();
	else if (rc == 0 && problems > 0)
		rc = dsmap_error__set(DSMAP_EPERM, "workspace %s is not private: %s", top, o.buf);
	free(chowned);
	free(o.buf);
	return rc;
}

static int ws_alloc(dsmap_workspace **out, const char *abspath)
{
	dsmap_workspace *ws;

	*out = NULL;
	if ((ws = dsmap__calloc(1, sizeof(*ws))) == NULL ||
	    (ws->path = dsmap__strdup(abspath)) == NULL ||
	    (ws->dotdir = dsmap__path_join(abspath, DOTDIR)) == NULL) {
		dsmap_workspace_free(ws);
		return dsmap_error__oom();
	}
	*out = ws;
	return 0;
}

/* Open the parts of a workspace whose directories exist: the key and the
 * store.  The mapping repository waits for dsmap_workspace__git(). */
static int ws_open_parts(dsmap_workspace *ws, unsigned int store_flags)
{
	dsmap_store_options sopts = DSMAP_STORE_OPTIONS_INIT;
	char *storedir = NULL;
	int rc;

	if (sodium_init() < 0)
		return dsmap_error__set(DSMAP_ERROR, "libsodium failed to initialise");
	if ((rc = check_private(ws->path, sizeof(private_parts) / sizeof(private_parts[0]))) < 0 ||
	    (rc = read_key(ws)) < 0)
		return rc;
	if ((storedir = dsmap__path_join(ws->dotdir, "store")) == NULL)
		return dsmap_error__oom();
	/* The store holds nothing that the mapping repository and the sources
	 * cannot give again: a workspace whose store was moved aside (to
	 * repair it, dsmap(1)) gets a new, empty one, which sync and scan
	 * fill.  Only a store that is absent: a damaged one is an error. */
	if (access(storedir, F_OK) != 0 && errno == ENOENT)
		store_flags |= DSMAP_STORE_CREATE;
	sopts.flags = store_flags;
	rc = dsmap_store_open(&ws->store, storedir, &sopts);
	free(storedir);
	if (rc < 0)
		return dsmap_error__prefix(rc, "workspace %s", ws->path);
	return 0;
}

int dsmap_workspace__git(dsmap_workspace *ws)
{
	int rc;

	if (ws->repo != NULL)
		return 0;
	if (!ws->git_ready) {
		if ((rc = dsmap_git__init()) < 0)
			return rc;
		ws->git_ready = 1;
	}
	rc = git_repository_open_ext(&ws->repo, ws->path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (rc < 0) {
		ws->repo = NULL;
		return dsmap_git__error(rc, "workspace %s: mapping repository", ws->path);
	}
	return 0;
}

int dsmap_workspace_open(dsmap_workspace **out, const char *path)
{
	dsmap_workspace *ws = NULL;
	char *abspath = NULL, *dotdir = NULL;
	int rc;

	if (out == NULL || path == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_workspace_open: NULL argument");
	*out = NULL;
	if ((abspath = dsmap__realpath(path)) == NULL)
		return dsmap_error__prefix(DSMAP_ENOTFOUND, "workspace");
	if ((dotdir = dsmap__path_join(abspath, DOTDIR)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	if (!dsmap__is_dir(dotdir)) {
		rc = dsmap_error__set(DSMAP_ENOTFOUND,
		    "%s is not a dsmap workspace (no %s directory); create one with 'dsmap init'",
		    abspath, DOTDIR);
		goto done;
	}
	if ((rc = ws_alloc(&ws, abspath)) < 0 || (rc = ws_open_parts(ws, 0)) < 0)
		goto done;
	*out = ws;
	ws = NULL;
done:
	dsmap_workspace_free(ws);
	free(dotdir);
	free(abspath);
	return rc;
}

int dsmap_workspace__open_at(dsmap_workspace **out, const char *top, const char *storedir)
{
	dsmap_store_options sopts = DSMAP_STORE_OPTIONS_INIT;
	dsmap_workspace *ws = NULL;
	char *abspath = NULL;
	int rc;

	*out = NULL;
	if ((abspath = dsmap__realpath(top)) == NULL)
		return dsmap_error__prefix(DSMAP_ENOTFOUND, "replica directory");
	if (sodium_init() < 0) {
		rc = dsmap_error__set(DSMAP_ERROR, "libsodium failed to initialise");
		goto done;
	}
	/* the same checks as a workspace's: the key, the tokens and the
	 * access log are as private here */
	if ((rc = ws_alloc(&ws, abspath)) < 0 ||
	    (rc = check_private(ws->path, sizeof(private_parts) / sizeof(private_parts[0]))) < 0 ||
	    (rc = read_key(ws)) < 0)
		goto done;
	if (storedir != NULL && (rc = dsmap_store_open(&ws->store, storedir, &sopts)) < 0) {
		dsmap_error__prefix(rc, "replica %s", ws->path);
		goto done;
	}
	*out = ws;
	ws = NULL;
done:
	dsmap_workspace_free(ws);
	free(abspath);
	return rc;
}

int dsmap_workspace_discover(dsmap_workspace **out, const char *start)
{
	char *dir = NULL, *dotdir = NULL, *slash;
	int rc;

	if (out == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_workspace_discover: NULL argument");
	*out = NULL;
	if ((dir = dsmap__realpath(start ? start : ".")) == NULL)
		return dsmap_error__prefix(DSMAP_ENOTFOUND, "find workspace");
	for (;;) {
		if ((dotdir = dsmap__path_join(dir, DOTDIR)) == NULL) {
			rc = dsmap_error__oom();
			goto done;
		}
		if (dsmap__is_dir(dotdir)) {
			rc = dsmap_workspace_open(out, dir);
			goto done;
		}
		free(dotdir);
		dotdir = NULL;
		if (strcmp(dir, "/") == 0)
			break;
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	rc = dsmap_error__set(DSMAP_ENOTFOUND,
	    "not in a dsmap workspace (looked in %s and its parents); "
	    "create one with 'dsmap init DIR' or name one with -C DIR",
	    start ? start : "the current directory");
done:
	free(dotdir);
	free(dir);
	return rc;
}

/* ---- init ------------------------------------------------------------- */

/* What init created, so that a failure can remove exactly that. */
struct init_undo {
	char *top;          /* the workspace directory, when init created it */
	char *dotdir;
	char *gitdir;
	char *mappings;
};

static void undo_init(struct init_undo *u)
{
	int code = dsmap_error_last()->code;
	char msg[DSMAP__ERROR_MAX];

	/* Keep the error that made us undo, not one from the clean-up. */
	snprintf(msg, sizeof(msg), "%s", dsmap_error_last()->message);
	if (u->top != NULL) {
		dsmap__rm_rf(u->top);
	} else {
		if (u->dotdir)
			dsmap__rm_rf(u->dotdir);
		if (u->gitdir)
			dsmap__rm_rf(u->gitdir);
		if (u->mappings)
			dsmap__rm_rf(u->mappings);
	}
	dsmap_error__set(code, "%s", msg);
}

static int write_secret_key(const char *dotdir)
{
	unsigned char key[DSMAP__KEY_SIZE];
	char *path;
	int rc;

	if ((path = dsmap__path_join(dotdir, "secret.key")) == NULL)
		return dsmap_error__oom();
	randombytes_buf(key, sizeof(key));
	rc = dsmap__write_new_file(path, key, sizeof(key), 0600);
	sodium_memzero(key, sizeof(key));
	free(path);
	return rc;
}

/* Write one seed file into the work tree and stage it. */
static int seed_file(git_index *index, const char *top,
                     const char *relpath, const void *data, size_t size)
{
	char *full = NULL, *dir = NULL, *slash;
	int rc;

	if ((full = dsmap__path_join(top, relpath)) == NULL || (dir = dsmap__strdup(full)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	slash = strrchr(dir, '/');
	*slash = '\0';
	/* never writable by others, whatever the umask */
	if ((rc = dsmap__mkdir_p(dir, 0755)) < 0 ||
	    (rc = dsmap__write_new_file(full, data, size, 0644)) < 0)
		goto done;
	if ((rc = git_index_add_bypath(index, relpath)) < 0)
		rc = dsmap_git__error(rc, "stage %s", relpath);
done:
	free(dir);
	free(full);
	return rc;
}

/* Seed from a directory: every regular file below `dir`, recursively,
 * becomes mappings/<relative path>. */
static int seed_dir(git_index *index, const char *top,
                    const char *dir, const char *rel)
{
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if ((d = opendir(dir)) == NULL)
		return dsmap_error__errno(dsmap_error__from_errno(errno), errno,
		                          "mappings directory %s", dir);
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char *sub = NULL, *subrel = NULL, *buf = NULL;
		struct stat sb;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		if ((sub = dsmap__path_join(dir, e->d_name)) == NULL ||
		    (subrel = dsmap__path_join(rel, e->d_name)) == NULL) {
			rc = dsmap_error__oom();
		} else if (stat(sub, &sb) != 0) {
			rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno, "%s", sub);
		} else if (S_ISDIR(sb.st_mode)) {
			rc = seed_dir(index, top, sub, subrel);
		} else if (S_ISREG(sb.st_mode)) {
			if ((rc = dsmap__read_file(&buf, &len, sub, MAX_SEED_FILE)) == 0)
				rc = seed_file(index, top, subrel, buf, len);
		}
		free(buf);
		free(subrel);
		free(sub);
	}
	closedir(d);
	return rc;
}

static int make_signature(git_signature **sig, git_repository *repo)
{
	int rc = git_signature_default(sig, repo);

	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALID) {
		git_error_clear();
		rc = git_signature_now(sig, "dsmap", "dsmap@localhost");
	}
	return rc < 0 ? dsmap_git__error(rc, "commit author") : 0;
}

static int exclude_dotdir(const char *gitdir)
{
	char *path;
	FILE *f;
	int rc = 0;

	if ((path = dsmap__path_join(gitdir, "info/exclude")) == NULL)
		return dsmap_error__oom();
	if ((f = fopen(path, "a")) == NULL ||
	    fputs("# dsmap's store and secret key never go into the repository\n/"
	          DOTDIR "/\n", f) < 0 ||
	    fclose(f) != 0) {
		rc = dsmap_error__errno(DSMAP_EIO, errno, "write %s", path);
	}
	free(path);
	return rc;
}

static int init_repo(const char *top, const dsmap_workspace_init_options *opts)
{
	git_repository_init_options gopts;
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_oid tree_id, commit_id;
	const struct dsmap__embedded_file *f;
	int rc;

	git_repository_init_options_init(&gopts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	gopts.flags = GIT_REPOSITORY_INIT_NO_REINIT | GIT_REPOSITORY_INIT_MKPATH;
	gopts.initial_head = "main";
	gopts.description = "dsmap workspace: the privacy notice and system landscape as data";
	if ((rc = git_repository_init_ext(&repo, top, &gopts)) < 0) {
		rc = dsmap_git__error(rc, "create mapping repository in %s", top);
		goto done;
	}
	if ((rc = exclude_dotdir(git_repository_path(repo))) < 0)
		goto done;
	if ((rc = git_repository_index(&index, repo)) < 0) {
		rc = dsmap_git__error(rc, "mapping repository index");
		goto done;
	}
	if (opts->mappings_dir != NULL) {
		if ((rc = seed_dir(index, top, opts->mappings_dir, "mappings")) < 0)
			goto done;
	} else {
		for (f = dsmap__default_mappings; f->path != NULL; f++)
			if ((rc = seed_file(index, top, f->path, f->data, f->size)) < 0)
				goto done;
	}
	if ((rc = git_index_write(index)) < 0 ||
	    (rc = git_index_write_tree(&tree_id, index)) < 0 ||
	    (rc = git_tree_lookup(&tree, repo, &tree_id)) < 0) {
		rc = dsmap_git__error(rc, "write the first tree");
		goto done;
	}
	if ((rc = make_signature(&sig, repo)) < 0)
		goto done;
	rc = git_commit_create(&commit_id, repo, "HEAD", sig, sig, NULL,
	                       opts->message ? opts->message : default_message, tree, 0, NULL);
	if (rc < 0)
		rc = dsmap_git__error(rc, "write the first commit");
done:
	git_tree_free(tree);
	git_signature_free(sig);
	git_index_free(index);
	git_repository_free(repo);
	return rc;
}

int dsmap_workspace_init(dsmap_workspace **out, const char *path,
                         const dsmap_workspace_init_options *opts)
{
	dsmap_workspace_init_options defaults = DSMAP_WORKSPACE_INIT_OPTIONS_INIT;
	struct init_undo undo = { NULL, NULL, NULL, NULL };
	dsmap_workspace *ws = NULL;
	char *top = NULL, *probe = NULL;
	int rc, git_ready = 0;

	if (out == NULL || path == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_workspace_init: NULL argument");
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if ((rc = dsmap_error__options_version("dsmap_workspace_init", opts->version,
	                                       DSMAP_WORKSPACE_INIT_OPTIONS_VERSION)) < 0)
		return rc;
	if (opts->mappings_dir != NULL && !dsmap__is_dir(opts->mappings_dir))
		return dsmap_error__set(DSMAP_ENOTFOUND, "mappings directory %s: not a directory",
		                        opts->mappings_dir);
	if ((rc = dsmap_git__init()) < 0)
		return rc;
	git_ready = 1;
	if (sodium_init() < 0) {
		rc = dsmap_error__set(DSMAP_ERROR, "libsodium failed to initialise");
		goto done;
	}

	if (access(path, F_OK) != 0) {
		/* private whatever the umask; the parents it makes are not
		 * writable by others either */
		if ((rc = dsmap__mkdir_p(path, 0755)) < 0) {
			dsmap_error__prefix(rc, "init");
			goto done;
		}
		if ((undo.top = dsmap__realpath(path)) == NULL) {
			rc = DSMAP_ERROR;
			goto done;
		}
		if (chmod(undo.top, 0700) != 0) {
			rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno, "init %s", undo.top);
			goto done;
		}
	} else if (!dsmap__is_dir(path)) {
		rc = dsmap_error__set(DSMAP_EEXISTS, "init %s: exists and is not a directory", path);
		goto done;
	}
	if ((top = dsmap__realpath(path)) == NULL) {
		rc = dsmap_error_last()->code;
		goto done;
	}
	if (access(top, W_OK) != 0) {
		rc = dsmap_error__errno(DSMAP_EPERM, errno, "init %s: cannot write there", top);
		goto done;
	}
	/* refused before anything is made, rather than by every command after */
	if (undo.top == NULL && (rc = check_private(top, 1)) < 0) {
		dsmap_error__prefix(rc, "init");
		goto done;
	}
	if ((probe = dsmap__path_join(top, DOTDIR)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	if (access(probe, F_OK) == 0) {
		rc = dsmap_error__set(DSMAP_EEXISTS,
		    "init %s: already a dsmap workspace; nothing was changed", top);
		goto done;
	}
	free(probe);
	if ((probe = dsmap__path_join(top, ".git")) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	if (access(probe, F_OK) == 0) {
		rc = dsmap_error__set(DSMAP_EEXISTS,
		    "init %s: holds a git repository already; a workspace makes its own, "
		    "choose an empty or new directory", top);
		goto done;
	}
	free(probe);
	if ((probe = dsmap__path_join(top, "mappings")) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	if (access(probe, F_OK) == 0) {
		rc = dsmap_error__set(DSMAP_EEXISTS,
		    "init %s: holds a mappings/ directory already; choose an empty or new directory",
		    top);
		goto done;
	}
	undo.mappings = probe;
	probe = NULL;

	if ((rc = ws_alloc(&ws, top)) < 0)
		goto done;
	if (mkdir(ws->dotdir, 0700) != 0) {
		rc = dsmap_error__errno(dsmap_error__from_errno(errno), errno, "init %s", ws->dotdir);
		goto done;
	}
	undo.dotdir = dsmap__strdup(ws->dotdir);
	if ((undo.gitdir = dsmap__path_join(top, ".git")) == NULL || undo.dotdir == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	/* The repository is opened now, while libgit2 is initialised anyway:
	 * whoever inits a workspace goes on with git (a commit, a sync). */
	if ((rc = write_secret_key(ws->dotdir)) < 0 ||
	    (rc = init_repo(top, opts)) < 0 ||
	    (rc = ws_open_parts(ws, DSMAP_STORE_CREATE)) < 0 ||
	    (rc = dsmap_workspace__git(ws)) < 0) {
		dsmap_error__prefix(rc, "init %s", top);
		goto done;
	}
	*out = ws;
	ws = NULL;
	rc = 0;
done:
	if (rc < 0) {
		dsmap_workspace_free(ws);
		undo_init(&undo);
	}
	free(undo.top);
	free(undo.dotdir);
	free(undo.gitdir);
	free(undo.mappings);
	free(probe);
	free(top);
	if (git_ready)
		dsmap_git__shutdown();
	return rc;
}

/* ---- status ----------------------------------------------------------- */

struct status_build {
	dsmap_status *st;
	size_t cap;
	char **refs;          /* category refs by catbit */
	size_t nrefs;
};

static dsmap_system_status *status_system(struct status_build *b, const char *id)
{
	dsmap_system_status *s;
	size_t i;

	for (i = 0; i < b->st->system_count; i++)
		if (strcmp(b->st->systems[i].id, id) == 0)
			return &b->st->systems[i];
	if (b->st->system_count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		dsmap_system_status *n = dsmap__realloc(b->st->systems, cap * sizeof(*n));

		if (n == NULL)
			return NULL;
		b->st->systems = n;
		b->cap = cap;
	}
	s = &b->st->systems[b->st->system_count];
	memset(s, 0, sizeof(*s));
	if ((s->id = dsmap__strdup(id)) == NULL)
		return NULL;
	b->st->system_count++;
	return s;
}

static int status_scanned(const char *id, const dsmap_store__system_summary *sum, void *payload)
{
	dsmap_system_status *s = status_system(payload, id);

	if (s == NULL)
		return dsmap_error__oom();
	struct status_build *b = payload;
	size_t i;

	s->last_scan = sum->last_scan;
	s->records = sum->records;
	s->subjects = sum->subjects;
	s->rejected = sum->rejected;
	s->invalid = sum->invalid;
	s->first_seen = sum->first_seen;
	s->last_seen = sum->last_seen;
	memcpy(s->commit, sum->commit, sizeof(s->commit));
	if (strspn(s->commit, "0") == 40)
		s->commit[0] = '\0';
	s->retired = sum->retired;
	s->failed_at = sum->failed_at;
	if (sum->failure[0] != '\0' && (s->failure = dsmap__strdup(sum->failure)) == NULL)
		return dsmap_error__oom();
	if (sum->category_count == 0)
		return 0;
	if ((s->categories = dsmap__calloc(sum->category_count, sizeof(*s->categories))) == NULL)
		return dsmap_error__oom();
	for (i = 0; i < sum->category_count; i++) {
		const dsmap_store__cat_count *c = &sum->categories[i];

		if (c->catbit >= b->nrefs || b->refs[c->catbit] == NULL)
			return dsmap_error__set(DSMAP_ECORRUPT, "store: system %s holds category number "
			                        "%u, which no category has", id, c->catbit);
		s->categories[i].category = b->refs[c->catbit];
		s->categories[i].subjects = c->subjects;
		s->categories[i].records = c->records;
		s->category_count++;
	}
	return 0;
}

/* The identity conflicts of each system's last scan: meta
 * "conflicts:ID" = "KIND IDENTIFIERS MOST;..." (inventory.h). */
static int status_conflicts(struct status_build *b, dsmap_store *store)
{
	MDB_txn *txn = NULL;
	char key[DSMAP__META_KEY_MAX], val[512];
	size_t i;
	int rc = 0;

	if ((rc = dsmap_store__read_begin(store, &txn)) < 0)
		return rc;
	for (i = 0; i < b->st->system_count && rc == 0; i++) {
		dsmap_system_status *s = &b->st->systems[i];
		char *seg, *save = NULL;

		MDB_val k, v;

		/* read here, not with dsmap_store__meta_get(), so that a system
		 * without conflicts sets no error and clears none (status runs
		 * after a scan whose failure is still to be reported) */
		/* the rules its hashes follow: absent, those of schema 1 */
		if ((rc = dsmap__meta_key(key, sizeof(key), DSMAP__META_IDENT_RULES, s->id)) < 0)
			break;
		k.mv_size = strlen(key);
		k.mv_data = key;
		if ((rc = mdb_get(txn, store->dbi[DSMAP__DB_META], &k, &v)) == 0) {
			size_t n = v.mv_size < 15 ? v.mv_size : 15;

			memcpy(val, v.mv_data, n);
			val[n] = '\0';
			s->ident_rules = atoi(val);
		} else if (rc == MDB_NOTFOUND) {
			s->ident_rules = s->last_scan != 0 && s->retired == 0 ? 1 : 0;
		} else {
			rc = dsmap_store__error(rc, "store %s: %s", store->path, key);
			break;
		}
		if ((rc = dsmap__meta_key(key, sizeof(key), DSMAP__META_CONFLICTS, s->id)) < 0)
			break;
		k.mv_size = strlen(key);
		k.mv_data = key;
		if ((rc = mdb_get(txn, store->dbi[DSMAP__DB_META], &k, &v)) == MDB_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc != 0) {
			rc = dsmap_store__error(rc, "store %s: %s", store->path, key);
			break;
		}
		if (v.mv_size >= sizeof(val)) {
			rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: %s is damaged", store->path, key);
			break;
		}
		memcpy(val, v.mv_data, v.mv_size);
		val[v.mv_size] = '\0';
		for (seg = strtok_r(val, ";", &save); seg != NULL; seg = strtok_r(NULL, ";", &save)) {
			dsmap_identity_conflict *grown, *c;
			char kind[64];
			unsigned long long n, most;

			if (sscanf(seg, "%63s %llu %llu", kind, &n, &most) != 3) {
				rc = dsmap_error__set(DSMAP_ECORRUPT, "store %s: %s is damaged", store->path,
				                      key);
				break;
			}
			if ((grown = dsmap__realloc(s->conflicts, (s->conflict_count + 1) * sizeof(*grown))) == NULL) {
				rc = dsmap_error__oom();
				break;
			}
			s->conflicts = grown;
			c = &s->conflicts[s->conflict_count];
			if ((c->kind = dsmap__strdup(kind)) == NULL) {
				rc = dsmap_error__oom();
				break;
			}
			c->identifiers = n;
			c->most_subjects = most;
			s->conflict_count++;
		}
	}
	mdb_txn_abort(txn);
	return rc;
}

/* The category refs by number, for the systems' counters. */
static int status_refs(struct status_build *b, dsmap_store *store, MDB_txn *txn)
{
	return dsmap_store__category_refs(store, txn, &b->refs, &b->nrefs);
}

/* Systems declared at HEAD: mappings/systems/<id>.yaml. */
static int status_declared(struct status_build *b, git_commit *head)
{
	git_tree *root = NULL, *systems = NULL;
	git_tree_entry *entry = NULL;
	size_t i, n;
	int rc;

	if ((rc = git_commit_tree(&root, head)) < 0) {
		rc = dsmap_git__error(rc, "read HEAD's tree");
		goto done;
	}
	rc = git_tree_entry_bypath(&entry, root, "mappings/systems");
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		rc = 0;
		goto done;
	}
	if (rc < 0 || git_tree_entry_type(entry) != GIT_OBJECT_TREE) {
		rc = rc < 0 ? dsmap_git__error(rc, "read mappings/systems") : 0;
		goto done;
	}
	if ((rc = git_tree_lookup(&systems, git_tree_owner(root), git_tree_entry_id(entry))) < 0) {
		rc = dsmap_git__error(rc, "read mappings/systems");
		goto done;
	}
	n = git_tree_entrycount(systems);
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(systems, i);
		const char *name = git_tree_entry_name(e);
		size_t len = strlen(name);
		char id[DSMAP__SYSTEM_ID_MAX + 1];
		dsmap_system_status *s;

		if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || len <= 5 ||
		    strcmp(name + len - 5, ".yaml") != 0 || len - 5 > DSMAP__SYSTEM_ID_MAX)
			continue;
		memcpy(id, name, len - 5);
		id[len - 5] = '\0';
		if ((s = status_system(b, id)) == NULL) {
			rc = dsmap_error__oom();
			goto done;
		}
		s->declared = 1;
	}
	rc = 0;
done:
	git_tree_free(systems);
	git_tree_entry_free(entry);
	git_tree_free(root);
	return rc;
}

/* HEAD's part of the status, from libgit2. */
static int head_from_git(struct status_build *b, dsmap_workspace *ws)
{
	git_reference *ref = NULL;
	git_commit *head = NULL;
	const char *msg;
	int rc;

	if ((rc = dsmap_workspace__git(ws)) < 0)
		return rc;
	rc = git_repository_head(&ref, ws->repo);
	if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND) {
		git_error_clear();
		rc = 0;
		goto done;
	}
	if (rc < 0 || (rc = git_commit_lookup(&head, ws->repo, git_reference_target(ref))) < 0) {
		rc = dsmap_git__error(rc, "workspace %s: read HEAD", ws->path);
		goto done;
	}
	git_oid_tostr(b->st->head, sizeof(b->st->head), git_commit_id(head));
	msg = git_commit_summary(head);
	if ((b->st->head_summary = dsmap__strdup(msg ? msg : "")) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}
	if ((rc = status_declared(b, head)) < 0)
		goto done;
done:
	git_commit_free(head);
	git_reference_free(ref);
	return rc;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const dsmap_system_status *)a)->id, ((const dsmap_system_status *)b)->id);
}

int dsmap_workspace_status(dsmap_status **out, dsmap_workspace *ws)
{
	struct status_build b = { NULL, 0, NULL, 0 };
	MDB_txn *txn = NULL;
	char buf[64];
	int rc;

	if (out == NULL || ws == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_workspace_status: NULL argument");
	*out = NULL;
	if ((b.st = dsmap__calloc(1, sizeof(*b.st))) == NULL ||
	    (b.st->path = dsmap__strdup(ws->path)) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}

	if ((rc = head_from_git(&b, ws)) < 0)
		goto done;
	if (b.st->head_summary == NULL && (b.st->head_summary = dsmap__strdup("")) == NULL) {
		rc = dsmap_error__oom();
		goto done;
	}

	if ((rc = dsmap_store__read_begin(ws->store, &txn)) < 0)
		goto done;
	rc = dsmap_store__meta_get(ws->store, txn, DSMAP__META_SYNCED_REV, b.st->synced, sizeof(b.st->synced));
	if (rc == DSMAP_ENOTFOUND) {
		b.st->synced[0] = '\0';
		dsmap_error_clear();
	} else if (rc < 0) {
		goto done;
	}
	if (dsmap_store__meta_get(ws->store, txn, DSMAP__META_CREATED, buf, sizeof(buf)) == 0)
		b.st->created = strtoll(buf, NULL, 10);
	else
		dsmap_error_clear();
	if ((rc = status_refs(&b, ws->store, txn)) < 0)
		goto done;
	mdb_txn_abort(txn);
	txn = NULL;

	if ((rc = dsmap_store__systems_each(ws->store, status_scanned, &b)) < 0 ||
	    (rc = status_conflicts(&b, ws->store)) < 0 ||
	    (rc = dsmap_store_info_get(&b.st->store, ws->store)) < 0)
		goto done;
	if (b.st->system_count > 1)
		qsort(b.st->systems, b.st->system_count, sizeof(*b.st->systems), by_id);
	/* The status owns the refs its systems point to. */
	b.st->category_refs = b.refs;
	b.st->category_ref_count = b.nrefs;
	b.refs = NULL;
	b.nrefs = 0;
	*out = b.st;
	b.st = NULL;
	rc = 0;
done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	dsmap_status_free(b.st);
	dsmap_store__category_refs_free(b.refs, b.nrefs);
	return rc;
}

void dsmap_status_free(dsmap_status *st)
{
	size_t i, j;

	if (st == NULL)
		return;
	for (i = 0; i < st->system_count; i++) {
		free((char *)st->systems[i].id);
		free((char *)st->systems[i].failure);
		free(st->systems[i].categories);
		for (j = 0; j < st->systems[i].conflict_count; j++)
			free((char *)st->systems[i].conflicts[j].kind);
		free(st->systems[i].conflicts);
	}
	free(st->systems);
	dsmap_store__category_refs_free(st->category_refs, st->category_ref_count);
	free((char *)st->head_summary);
	free((char *)st->path);
	free(st);
}

int dsmap_workspace_commit(char out[41], dsmap_workspace *ws, const char *message)
{
	git_index *index = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_reference *head = NULL;
	git_oid tree_id, commit_id;
	char *const paths[] = { (char *)"mappings" };
	git_strarray spec = { (char **)paths, 1 };
	int rc;

	if (ws == NULL || message == NULL || message[0] == '\0')
		return dsmap_error__set(DSMAP_EINVALID, "dsmap_workspace_commit: give a message");
	if ((rc = dsmap_workspace__git(ws)) < 0)
		return rc;
	if ((rc = git_repository_index(&index, ws->repo)) < 0) {
		rc = dsmap_git__error(rc, "mapping repository index");
		goto done;
	}
	/* everything under mappings/: new, changed and deleted files */
	if ((rc = git_index_add_all(index, &spec, GIT_INDEX_ADD_DEFAULT, NULL, NULL)) < 0 ||
	    (rc = git_index_update_all(index, &spec, NULL, NULL)) < 0 ||
	    (rc = git_index_write(index)) < 0 || (rc = git_index_write_tree(&tree_id, index)) < 0 ||
	    (rc = git_tree_lookup(&tree, ws->repo, &tree_id)) < 0) {
		rc = dsmap_git__error(rc, "stage mappings/");
		goto done;
	}
	if ((rc = git_repository_head(&head, ws->repo)) < 0 ||
	    (rc = git_commit_lookup(&parent, ws->repo, git_reference_target(head))) < 0) {
		rc = dsmap_git__error(rc, "read HEAD");
		goto done;
	}
	if (git_oid_equal(git_commit_tree_id(parent), &tree_id)) {
		rc = dsmap_error__set(DSMAP_EINVALID, "nothing to commit: mappings/ is as HEAD has it");
		goto done;
	}
	if ((rc = make_signature(&sig, ws->repo)) < 0)
		goto done;
	rc = git_commit_create(&commit_id, ws->repo, "HEAD", sig, sig, NULL, message, tree, 1,
	                       (const git_commit **)&parent);
	if (rc < 0) {
		rc = dsmap_git__error(rc, "commit");
		goto done;
	}
	if (out != NULL)
		git_oid_tostr(out, 41, &commit_id);
	rc = 0;
done:
	git_reference_free(head);
	git_commit_free(parent);
	git_tree_free(tree);
	git_signature_free(sig);
	git_index_free(index);
	return rc;
}

int dsmap_workspace__lock(dsmap_workspace *ws, int *fd)
{
	char *path;
	int rc;

	*fd = -1;
	if ((path = dsmap__path_join(ws->dotdir, "scan.lock")) == NULL)
		return dsmap_error__oom();
	if ((*fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600)) < 0) {
		rc = dsmap_error__errno(DSMAP_EIO, errno, "%s", path);
		free(path);
		return rc;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ?
		     dsmap_error__set(DSMAP_EBUSY, "another scan of workspace %s is running", ws->path) :
		     dsmap_error__errno(DSMAP_EIO, errno, "lock %s", path);
		close(*fd);
		*fd = -1;
		free(path);
		return rc;
	}
	free(path);
	return 0;
}

void dsmap_workspace__unlock(int fd)
{
	if (fd >= 0)
		close(fd);   /* closing the descriptor releases the lock */
}
