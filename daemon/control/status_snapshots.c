/* SPDX-License-Identifier: MIT */
/*
 * status_snapshots.c: the `snapshots` reply: the files in
 * <state_dir>/snapshots, of one service or all.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/fd_util.h"
#include "control/status_snapshots.h"

json_object *status_snapshots(struct snapshots *sn, const char *service)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	const char *base = sn->state_dir;
	int dfd = snapshots_dir(sn);

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "dir", json_object_new_string(base));
	DIR *d = dfd >= 0 ? opendir_dup(dfd) : NULL;
	if (d) {
		rewinddir(d);
		for (struct dirent *e; (e = readdir(d));) {
			struct stat st;
			size_t sl = service ? strlen(service) : 0;
			/* ".NAME.tmp": being written. */
			if (e->d_type != DT_REG || e->d_name[0] == '.' ||
			    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			if (sl && (strncmp(e->d_name, service, sl) || e->d_name[sl] != '.'))
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/snapshots/%s", base, e->d_name);
			json_object *f = json_object_new_object();
			json_object_object_add(f, "path", json_object_new_string(path));
			json_object_object_add(f, "bytes", json_object_new_int64(st.st_size));
			json_object_object_add(f, "mtime", json_object_new_int64(st.st_mtim.tv_sec));
			json_object_array_add(a, f);
		}
		closedir(d);
	}
	json_object_object_add(o, "snapshots", a);
	return o;
}
