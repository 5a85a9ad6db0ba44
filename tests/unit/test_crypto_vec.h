/* SPDX-License-Identifier: ISC */
/* Reads the known-answer files in tests/vectors/crypto/ ("[title]" and "KEY = hex" lines). */
#ifndef IKEKIT_TESTS_UNIT_TEST_CRYPTO_VEC_H
#define IKEKIT_TESTS_UNIT_TEST_CRYPTO_VEC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { VEC_MAX_FIELDS = 24, VEC_MAX = 64 };

struct vec_field {
	char	 key[48];
	char	*hex;		/* the value, spaces removed */
};

struct vec {
	char		 title[160];
	struct vec_field f[VEC_MAX_FIELDS];
	size_t		 n_f;
};

static inline void
vec_append(char **dst, const char *s)
{
	size_t	 a = *dst != NULL ? strlen(*dst) : 0, b = strlen(s), i, n = a;
	char	*p = realloc(*dst, a + b + 1);

	if (p == NULL)
		exit(2);
	for (i = 0; i < b; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			p[n++] = s[i];
	p[n] = '\0';
	*dst = p;
}

static inline void
vec_copy(char *dst, size_t cap, const char *src)
{
	size_t	 i;

	for (i = 0; i + 1 < cap && src[i] != '\0'; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

/* vec_field_find returns the field named key in v, or NULL. */
static inline struct vec_field *
vec_field_find(struct vec *v, const char *key)
{
	size_t	 i;

	for (i = 0; i < v->n_f; i++)
		if (strcmp(v->f[i].key, key) == 0)
			return &v->f[i];
	return NULL;
}

/* vec_load reads file (under $IKEKIT_TOP/tests/vectors/crypto, or relative
 * to the current directory) into out[]; a record starts at "[title]" or when
 * a key repeats. Returns the record count, or -1 if the file is missing. */
static inline int
vec_load(const char *file, struct vec *out, int max)
{
	char		 path[512], line[4096];
	const char	*top = getenv("IKEKIT_TOP");
	FILE		*f;
	int		 n = -1;
	struct vec_field *last = NULL;

	snprintf(path, sizeof(path), "%s/tests/vectors/crypto/%s",
	    top != NULL ? top : ".", file);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "vec_load: cannot open %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *eq, *k, *end;

		if (line[0] == '#' || line[0] == '\n' || line[0] == '\r')
			continue;
		if (line[0] == ' ' && last != NULL) {
			vec_append(&last->hex, line);
			continue;
		}
		if (line[0] == '[') {
			if (++n >= max)
				break;
			memset(&out[n], 0, sizeof(out[n]));
			vec_copy(out[n].title, sizeof(out[n].title), line + 1);
			if ((end = strrchr(out[n].title, ']')) != NULL)
				*end = '\0';
			last = NULL;
			continue;
		}
		if ((eq = strstr(line, " = ")) == NULL && (eq = strstr(line, " =")) == NULL)
			continue;
		*eq = '\0';
		k = line;
		if (n < 0 || vec_field_find(&out[n], k) != NULL) {
			if (++n >= max)
				break;
			memset(&out[n], 0, sizeof(out[n]));
			vec_copy(out[n].title, sizeof(out[n].title), file);
		}
		if (out[n].n_f == VEC_MAX_FIELDS)
			continue;
		last = &out[n].f[out[n].n_f++];
		vec_copy(last->key, sizeof(last->key), k);
		last->hex = NULL;
		vec_append(&last->hex, eq[1] == '=' ? eq + 2 : eq + 3);
	}
	fclose(f);
	return n + 1 > max ? max : n + 1;
}

/* vec_get decodes field key of v into a fresh buffer (free it) and sets
 * *len; it returns NULL if the field is missing. */
static inline uint8_t *
vec_get(struct vec *v, const char *key, size_t *len)
{
	struct vec_field	*f = vec_field_find(v, key);
	uint8_t			*b;
	size_t			 cap;

	*len = 0;
	if (f == NULL)
		return NULL;
	cap = strlen(f->hex) / 2 + 1;
	if ((b = malloc(cap)) == NULL)
		exit(2);
	*len = test_unhex(b, cap, f->hex);
	return b;
}

static inline void
vec_free(struct vec *v, int n)
{
	int	 i;
	size_t	 j;

	for (i = 0; i < n; i++)
		for (j = 0; j < v[i].n_f; j++)
			free(v[i].f[j].hex);
}

#endif
