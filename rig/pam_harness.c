/*
 * rig/pam_harness.c — owns: a test host for rig/pam_vouch_exec.so, used by
 * rig/selftest.sh. It plays the application side of PAM the way PostgreSQL
 * does (a conversation that answers the password prompt), optionally with a
 * hostile SIGCHLD setup, and reports what pam_authenticate returned.
 *
 *   pam_harness CONFDIR SERVICE USER MODE < password
 *   MODE: plain | reaper (SIGCHLD handler doing waitpid(-1)) | ignore (SIGCHLD SIG_IGN)
 *   env HARNESS_RHOST sets PAM_RHOST.
 * Prints the PAM result name on stdout; exit 0 iff PAM_SUCCESS. SIGPIPE is
 * left at its default, so a SIGPIPE leaking out of the module kills it (141).
 *
 * Build: gcc -o pam_harness pam_harness.c -lpam
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <security/pam_appl.h>

static char *password;
static volatile sig_atomic_t reaped;

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    (void)data;
    struct pam_response *r = calloc((size_t)n, sizeof *r);
    if (r == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++) {
        if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
            r[i].resp = strdup(password);
            if (r[i].resp == NULL)
                return PAM_BUF_ERR;
        }
    }
    *resp = r;
    return PAM_SUCCESS;
}

static void reaper(int sig)
{
    int saved = errno;
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        reaped++;
    errno = saved;
}

int main(int argc, char **argv)
{
    size_t cap = 1 << 16, len = 0;
    ssize_t n;
    pam_handle_t *pamh = NULL;
    struct pam_conv pc = { conv, NULL };
    int rc;

    if (argc != 5) {
        fprintf(stderr, "usage: %s CONFDIR SERVICE USER plain|reaper|ignore < password\n", argv[0]);
        return 2;
    }
    password = malloc(cap + 1);
    while (password && (n = read(0, password + len, cap - len)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("read");
            return 2;
        }
        len += (size_t)n;
        if (len == cap) {
            cap *= 2;
            password = realloc(password, cap + 1);
        }
    }
    if (password == NULL)
        return 2;
    password[len] = '\0';

    if (strcmp(argv[4], "reaper") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = reaper;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGCHLD, &sa, NULL);
    } else if (strcmp(argv[4], "ignore") == 0) {
        signal(SIGCHLD, SIG_IGN);
    } else if (strcmp(argv[4], "plain") != 0) {
        fprintf(stderr, "bad mode %s\n", argv[4]);
        return 2;
    }
    signal(SIGPIPE, SIG_DFL);

    rc = pam_start_confdir(argv[2], argv[3], &pc, argv[1], &pamh);
    if (rc != PAM_SUCCESS) {
        fprintf(stderr, "pam_start_confdir: %s\n", pam_strerror(pamh, rc));
        return 2;
    }
    if (getenv("HARNESS_RHOST"))
        pam_set_item(pamh, PAM_RHOST, getenv("HARNESS_RHOST"));
    rc = pam_authenticate(pamh, 0);
    printf("%s\n", rc == PAM_SUCCESS ? "PAM_SUCCESS" : rc == PAM_AUTH_ERR ? "PAM_AUTH_ERR" : pam_strerror(pamh, rc));
    if (reaped)
        fprintf(stderr, "harness: SIGCHLD handler reaped %d child(ren) (not ours to take)\n", (int)reaped);
    pam_end(pamh, rc);
    return rc == PAM_SUCCESS ? 0 : 1;
}
