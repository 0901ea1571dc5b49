/*
 * nats-tool: what the NATS tests need of a JetStream cluster that dsmap
 * itself does not do, through the same client library (nats.c).  Debian
 * ships no NATS command line client.
 *
 *   nats-tool [-u USER] [-p PASSWORD] [-c CAFILE] [-t SECONDS] URLS COMMAND ARGS...
 *
 *   stream-add NAME SUBJECT REPLICAS   create a file stream (duplicate window 2 min)
 *   stream-info NAME                   "messages N replicas R leader L current C"
 *                                      (C: replicas that are current, the leader included)
 *   pub SUBJECT DATA [MSGID]           publish through JetStream; "seq N" or
 *                                      "duplicate seq N"
 *   last NAME SUBJECT                  the data of the stream's last message on
 *                                      SUBJECT, then a newline
 *   purge NAME                         delete every message of the stream (its
 *                                      consumers stay, with their places)
 *   copy NAME SEQ MSGID [DATA]         publish the stream's message SEQ again, its
 *                                      subject and headers, under message id MSGID
 *                                      (so not a duplicate), with DATA instead of
 *                                      its data when given: a redelivery, or a
 *                                      forged message, for the coordinator
 *   take NAME DURABLE SUBJECT N [ACKED]
 *                                      receive N messages of the durable pull
 *                                      consumer DURABLE (filter SUBJECT) of stream
 *                                      NAME, ack the first ACKED (default 0) and
 *                                      not the rest: deliveries lost on their way,
 *                                      or held by a scan that was killed, which
 *                                      NATS delivers again after the consumer's
 *                                      ack wait; prints their stream sequences
 *
 * URLS is a comma-separated list (tls://127.0.0.1:4222,...).  With -c the
 * connection is TLS and the server's certificate must chain to CAFILE.
 * Exit 0 when done, 1 on an error (on stderr, with the server's JetStream
 * error code when there is one), 2 on a usage error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nats/nats.h>

static int usage(void)
{
	fprintf(stderr, "usage: nats-tool [-u USER] [-p PASSWORD] [-c CAFILE] [-t SECONDS] URLS "
	        "stream-add NAME SUBJECT REPLICAS | stream-info NAME | pub SUBJECT DATA [MSGID] | "
	        "last NAME SUBJECT | copy NAME SEQ MSGID [DATA] | take NAME DURABLE SUBJECT N [ACKED]\n");
	return 2;
}

static int fail(const char *what, natsStatus s, jsErrCode jerr)
{
	const char *last = nats_GetLastError(NULL);

	fprintf(stderr, "nats-tool: %s: %s%s%s", what, natsStatus_GetText(s),
	        last && *last ? ": " : "", last ? last : "");
	if (jerr != 0)
		fprintf(stderr, " (JetStream error %d)", (int)jerr);
	fputc('\n', stderr);
	return 1;
}

/* What the server says asynchronously, e.g. a publish it does not permit:
 * the publish itself then only times out. */
static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err,
                           void *closure)
{
	const char *last = NULL;

	if (nc != NULL)
		natsConnection_GetLastError(nc, &last);
	(void)sub;
	(void)closure;
	fprintf(stderr, "nats-tool: the server says: %s%s%s\n", natsStatus_GetText(err),
	        last && *last ? ": " : "", last ? last : "");
}

int main(int argc, char **argv)
{
	const char *user = NULL, *pass = NULL, *ca = NULL;
	natsOptions *o = NULL;
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	jsErrCode jerr = 0;
	natsStatus s;
	char *urls[16];
	long timeout = 10;
	int c, rc = 1, nurls = 0, i;

	while ((c = getopt(argc, argv, "u:p:c:t:")) != -1) {
		switch (c) {
		case 'u': user = optarg; break;
		case 'p': pass = optarg; break;
		case 'c': ca = optarg; break;
		case 't': timeout = strtol(optarg, NULL, 10); break;
		default: return usage();
		}
	}
	if (argc - optind < 2)
		return usage();
	{
		/* natsOptions_SetURL takes a comma-separated list too, but then
		 * fails to connect over TLS (nats.c 3.4.1): the servers one by one */
		char *p = argv[optind];

		nurls = 0;
		while (p != NULL && nurls < 16) {
			char *comma = strchr(p, ',');

			urls[nurls] = strndup(p, comma ? (size_t)(comma - p) : strlen(p));
			if (urls[nurls] == NULL) {
				fprintf(stderr, "nats-tool: out of memory\n");
				goto done;
			}
			nurls++;
			p = comma ? comma + 1 : NULL;
		}
	}
	if ((s = natsOptions_Create(&o)) != NATS_OK ||
	    (s = natsOptions_SetServers(o, (const char **)urls, nurls)) != NATS_OK ||
	    (s = natsOptions_SetNoRandomize(o, false)) != NATS_OK ||
	    (s = natsOptions_SetTimeout(o, timeout * 1000)) != NATS_OK ||
	    (s = natsOptions_SetErrorHandler(o, on_async_error, NULL)) != NATS_OK ||
	    (user && (s = natsOptions_SetUserInfo(o, user, pass ? pass : "")) != NATS_OK) ||
	    (ca && ((s = natsOptions_SetSecure(o, true)) != NATS_OK ||
	            (s = natsOptions_LoadCATrustedCertificates(o, ca)) != NATS_OK))) {
		rc = fail("options", s, 0);
		goto done;
	}
	if ((s = natsConnection_Connect(&nc, o)) != NATS_OK) {
		rc = fail(argv[optind], s, 0);
		goto done;
	}
	{
		jsOptions jo;

		jsOptions_Init(&jo);
		jo.Wait = timeout * 1000;
		if ((s = natsConnection_JetStream(&js, nc, &jo)) != NATS_OK) {
			rc = fail("JetStream context", s, 0);
			goto done;
		}
	}
	optind++;
	if (strcmp(argv[optind], "stream-add") == 0 && argc - optind == 4) {
		jsStreamConfig sc;
		const char *subjects[1] = { argv[optind + 2] };

		jsStreamConfig_Init(&sc);
		sc.Name = argv[optind + 1];
		sc.Subjects = subjects;
		sc.SubjectsLen = 1;
		sc.Storage = js_FileStorage;
		sc.Replicas = strtol(argv[optind + 3], NULL, 10);
		sc.Duplicates = (int64_t)120 * 1000000000;
		if ((s = js_AddStream(NULL, js, &sc, NULL, &jerr)) != NATS_OK) {
			rc = fail("stream-add", s, jerr);
			goto done;
		}
		rc = 0;
	} else if (strcmp(argv[optind], "stream-info") == 0 && argc - optind == 2) {
		jsStreamInfo *si = NULL;
		int current = 0, k, replicas = 0;

		if ((s = js_GetStreamInfo(&si, js, argv[optind + 1], NULL, &jerr)) != NATS_OK) {
			rc = fail("stream-info", s, jerr);
			goto done;
		}
		if (si->Cluster != NULL) {
			current = si->Cluster->Leader != NULL;
			for (k = 0; k < si->Cluster->ReplicasLen; k++)
				current += si->Cluster->Replicas[k]->Current;
		}
		replicas = si->Config ? (int)si->Config->Replicas : 0;
		printf("messages %llu replicas %d leader %s current %d\n",
		       (unsigned long long)si->State.Msgs, replicas,
		       si->Cluster && si->Cluster->Leader ? si->Cluster->Leader : "-", current);
		jsStreamInfo_Destroy(si);
		rc = 0;
	} else if (strcmp(argv[optind], "pub") == 0 && (argc - optind == 3 || argc - optind == 4)) {
		jsPubOptions po;
		jsPubAck *pa = NULL;
		const char *data = argv[optind + 2];

		jsPubOptions_Init(&po);
		if (argc - optind == 4)
			po.MsgId = argv[optind + 3];
		if ((s = js_Publish(&pa, js, argv[optind + 1], data, (int)strlen(data), &po,
		                    &jerr)) != NATS_OK) {
			rc = fail("pub", s, jerr);
			goto done;
		}
		printf("%sseq %llu\n", pa->Duplicate ? "duplicate " : "",
		       (unsigned long long)pa->Sequence);
		jsPubAck_Destroy(pa);
		rc = 0;
	} else if (strcmp(argv[optind], "purge") == 0 && argc - optind == 2) {
		if ((s = js_PurgeStream(js, argv[optind + 1], NULL, &jerr)) != NATS_OK) {
			rc = fail("purge", s, jerr);
			goto done;
		}
		rc = 0;
	} else if (strcmp(argv[optind], "last") == 0 && argc - optind == 3) {
		natsMsg *m = NULL;

		if ((s = js_GetLastMsg(&m, js, argv[optind + 1], argv[optind + 2], NULL,
		                       &jerr)) != NATS_OK) {
			rc = fail("last", s, jerr);
			goto done;
		}
		fwrite(natsMsg_GetData(m), 1, (size_t)natsMsg_GetDataLength(m), stdout);
		putchar('\n');
		natsMsg_Destroy(m);
		rc = 0;
	} else if (strcmp(argv[optind], "copy") == 0 && (argc - optind == 4 || argc - optind == 5)) {
		natsMsg *m = NULL, *out = NULL;
		const char **keys = NULL;
		jsPubOptions po;
		jsPubAck *pa = NULL;
		int nkeys = 0, k;

		if ((s = js_GetMsg(&m, js, argv[optind + 1], strtoull(argv[optind + 2], NULL, 10),
		                   NULL, &jerr)) != NATS_OK) {
			rc = fail("copy: get", s, jerr);
			goto done;
		}
		if (argc - optind == 5)
			s = natsMsg_Create(&out, natsMsg_GetSubject(m), NULL, argv[optind + 4],
			                   (int)strlen(argv[optind + 4]));
		else
			s = natsMsg_Create(&out, natsMsg_GetSubject(m), NULL, natsMsg_GetData(m),
			                   natsMsg_GetDataLength(m));
		if (s == NATS_OK && (s = natsMsgHeader_Keys(m, &keys, &nkeys)) == NATS_NOT_FOUND)
			s = NATS_OK;
		for (k = 0; s == NATS_OK && k < nkeys; k++) {
			const char *v = NULL;

			/* JetStream's own headers (Nats-*) stay behind */
			if (strncmp(keys[k], "Nats-", 5) == 0)
				continue;
			if ((s = natsMsgHeader_Get(m, keys[k], &v)) == NATS_OK)
				s = natsMsgHeader_Set(out, keys[k], v);
		}
		free((void *)keys);
		if (s == NATS_OK) {
			jsPubOptions_Init(&po);
			po.MsgId = argv[optind + 3];
			s = js_PublishMsg(&pa, js, out, &po, &jerr);
		}
		if (s != NATS_OK)
			rc = fail("copy", s, jerr);
		else
			printf("%sseq %llu\n", pa->Duplicate ? "duplicate " : "",
			       (unsigned long long)pa->Sequence);
		jsPubAck_Destroy(pa);
		natsMsg_Destroy(out);
		natsMsg_Destroy(m);
		if (s != NATS_OK)
			goto done;
		rc = 0;
	} else if (strcmp(argv[optind], "take") == 0 && (argc - optind == 5 || argc - optind == 6)) {
		natsSubscription *sub = NULL;
		natsMsgList list = { NULL, 0 };
		jsSubOptions so;
		jsMsgMetaData *meta = NULL;
		int want = atoi(argv[optind + 4]), acked = argc - optind == 6 ? atoi(argv[optind + 5]) : 0;
		int got;

		jsSubOptions_Init(&so);
		so.Stream = argv[optind + 1];
		so.Consumer = argv[optind + 2];
		s = js_PullSubscribe(&sub, js, argv[optind + 3], argv[optind + 2], NULL, &so, &jerr);
		for (got = 0; s == NATS_OK && got < want; got++) {
			if ((s = natsSubscription_Fetch(&list, sub, 1, timeout * 1000, &jerr)) != NATS_OK)
				break;
			if (list.Count == 1 && natsMsg_GetMetaData(&meta, list.Msgs[0]) == NATS_OK) {
				printf("seq %llu\n", (unsigned long long)meta->Sequence.Stream);
				jsMsgMetaData_Destroy(meta);
			}
			if (list.Count == 1 && got < acked)
				s = natsMsg_AckSync(list.Msgs[0], NULL, &jerr);
			natsMsgList_Destroy(&list);
		}
		/* destroyed, not unsubscribed: the durable consumer stays */
		natsSubscription_Destroy(sub);
		if (s != NATS_OK) {
			rc = fail("take", s, jerr);
			goto done;
		}
		rc = 0;
	} else {
		rc = usage();
	}
done:
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	natsOptions_Destroy(o);
	nats_Close();
	for (i = 0; i < nurls; i++)
		free(urls[i]);
	return rc;
}
