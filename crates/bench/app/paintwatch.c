/*
 * paintwatch: launch a program and time its first painted window (scenario 7).
 *
 *   paintwatch [--title T] [--timeout S] [--interval MS] [--settle S]
 *              [--frames DIR] -- CMD ARGS...
 *
 * Takes t0 (CLOCK_MONOTONIC) just before fork(); the child calls setsid()
 * and execvp(CMD). The parent then polls the X server (DISPLAY) every
 * --interval ms: it looks among the root's children for a viewable window
 * whose WM_NAME is T (default "Genqueue") and, once found, grabs the whole
 * window with XShmGetImage (one shared-memory copy, ~1 ms; no PNG encoding)
 * and summarises the frame: a 64-bit FNV hash of the pixels, the share of
 * pixels that differ from the most common colour ("ink"), and a count of
 * distinct colours (capped at 4096). Each distinct frame is written as a PPM
 * into --frames DIR (if given; the first 12) so a person can check what
 * "painted" meant.
 *
 * It stops --settle seconds after the first frame with ink (default 5 s), or
 * at --timeout (default 60 s), and prints one JSON object on stdout:
 *   {"pid":…, "t_mapped_ms":…, "t_first_ink_ms":…, "t_first_text_ms":…,
 *    "t_settled_ms":…, "frames":[{"t_ms":…,"hash":"…","ink":…,"colors":…}…],
 *    "grab_ms_mean":…, "polls":…}
 * Times are from t0 (exec). A frame's time is the *end* of its grab: the
 * paint happened at or before it, and after the previous grab's start (the
 * resolution is one poll interval plus one grab).
 *   t_mapped_ms:     first poll that saw the window viewable;
 *   t_first_ink_ms:  first grab that is not one flat colour (ink > 0.5 %);
 *   t_first_text_ms: first grab with >= 64 distinct colours (anti-aliased
 *                    text and icons: the page itself, not a background);
 *   t_settled_ms:    the grab from which on every frame is one of the states
 *                    of the last 2 s (the page as it stays, with its blinking
 *                    caret), ignoring the right 32 px where the overlay
 *                    scrollbar fades out. Needs --settle > 2 s.
 * The child keeps running (its own session; its pid is in the JSON): the
 * caller measures it and stops it.
 *
 * Build: cc -O2 -o paintwatch paintwatch.c -lX11 -lXext
 */
#define _GNU_SOURCE
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int x_error_seen;
static int on_x_error(Display *d, XErrorEvent *e) {
    (void)d;
    (void)e;
    x_error_seen = 1; /* the window went away between the query and the grab */
    return 0;
}

static Window find_window(Display *d, Window root, const char *title) {
    Window r, p, *kids = NULL;
    unsigned int n = 0;
    Window found = 0;
    if (!XQueryTree(d, root, &r, &p, &kids, &n)) return 0;
    for (unsigned int i = 0; i < n && !found; i++) {
        XWindowAttributes a;
        x_error_seen = 0;
        if (!XGetWindowAttributes(d, kids[i], &a) || x_error_seen) continue;
        if (a.map_state != IsViewable || a.class != InputOutput) continue;
        char *name = NULL;
        if (XFetchName(d, kids[i], &name) && name) {
            if (strcmp(name, title) == 0) found = kids[i];
            XFree(name);
        }
    }
    if (kids) XFree(kids);
    return found;
}

typedef struct {
    double t;
    uint64_t hash;
    uint64_t body; /* hash without the right 32 px (overlay scrollbar) */
    double ink;
    int colors;
} Frame;

#define MAX_FRAMES 4096
static Frame frames[MAX_FRAMES];
static int nframes;

/* Distinct colours, capped: open addressing in a small table. */
#define CSET 8192
static uint32_t cset[CSET];
static int count_colors(const uint32_t *px, size_t n, int cap) {
    memset(cset, 0xff, sizeof cset);
    int count = 0;
    for (size_t i = 0; i < n; i += 1) {
        uint32_t c = px[i] & 0xffffff;
        uint32_t h = (c * 2654435761u) & (CSET - 1);
        while (cset[h] != 0xffffffffu && cset[h] != c) h = (h + 1) & (CSET - 1);
        if (cset[h] == 0xffffffffu) {
            cset[h] = c;
            if (++count >= cap) return count;
        }
    }
    return count;
}

static double ink_share(const uint32_t *px, size_t n) {
    /* The most common colour, estimated on a sample, then exact share. */
    uint32_t cand[16];
    int votes[16] = {0}, k = 0;
    for (size_t i = 0; i < n; i += n / 997 + 1) {
        uint32_t c = px[i] & 0xffffff;
        int j;
        for (j = 0; j < k && cand[j] != c; j++) {}
        if (j == k && k < 16) cand[k++] = c;
        if (j < k) votes[j]++;
    }
    int best = 0;
    for (int j = 1; j < k; j++) if (votes[j] > votes[best]) best = j;
    size_t other = 0;
    for (size_t i = 0; i < n; i++) other += (px[i] & 0xffffff) != cand[best];
    return (double)other / (double)n;
}

static void write_ppm(const char *dir, int idx, double t, const XImage *img) {
    char path[4096];
    snprintf(path, sizeof path, "%s/frame-%03d-%06.0fms.ppm", dir, idx, t);
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fprintf(f, "P6\n%d %d\n255\n", img->width, img->height);
    for (int y = 0; y < img->height; y++) {
        const uint32_t *row = (const uint32_t *)(img->data + (size_t)y * img->bytes_per_line);
        for (int x = 0; x < img->width; x++) {
            unsigned char rgb[3] = {(row[x] >> 16) & 255, (row[x] >> 8) & 255, row[x] & 255};
            fwrite(rgb, 1, 3, f);
        }
    }
    fclose(f);
}

int main(int argc, char **argv) {
    const char *title = "Genqueue", *frames_dir = NULL;
    double timeout_s = 60, settle_s = 5;
    int interval_ms = 20;
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--")) { i++; break; }
        else if (!strcmp(argv[i], "--title") && i + 1 < argc) title = argv[++i];
        else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) timeout_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "--settle") && i + 1 < argc) settle_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "--interval") && i + 1 < argc) interval_ms = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--frames") && i + 1 < argc) frames_dir = argv[++i];
        else { fprintf(stderr, "paintwatch: unknown argument %s\n", argv[i]); return 2; }
    }
    if (i >= argc) { fprintf(stderr, "usage: paintwatch [options] -- CMD ARGS...\n"); return 2; }

    Display *d = XOpenDisplay(NULL);
    if (!d) { fprintf(stderr, "paintwatch: cannot open DISPLAY\n"); return 1; }
    XSetErrorHandler(on_x_error);
    Window root = DefaultRootWindow(d);
    int use_shm = XShmQueryExtension(d);
    if (frames_dir) mkdir(frames_dir, 0755);

    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
        setsid();
        execvp(argv[i], argv + i);
        perror("paintwatch: exec");
        _exit(127);
    }

    Window w = 0;
    double t_mapped = -1, t_ink = -1, t_text = -1;
    XImage *img = NULL;
    XShmSegmentInfo shm;
    int iw = 0, ih = 0;
    double grab_total = 0;
    int grabs = 0, polls = 0, saved = 0;
    uint64_t last_hash = 0;

    for (;;) {
        double t = now_ms() - t0;
        if (t > timeout_s * 1e3) break;
        if (t_ink >= 0 && t > t_ink + settle_s * 1e3) break;
        polls++;
        if (!w) {
            w = find_window(d, root, title);
            if (w) t_mapped = now_ms() - t0;
        }
        if (w) {
            XWindowAttributes a;
            x_error_seen = 0;
            if (!XGetWindowAttributes(d, w, &a) || x_error_seen || a.map_state != IsViewable) {
                w = 0;
                goto sleep;
            }
            if (!img || a.width != iw || a.height != ih) {
                if (img) {
                    if (use_shm) { XShmDetach(d, &shm); XDestroyImage(img); shmdt(shm.shmaddr); }
                    else XDestroyImage(img);
                    img = NULL;
                }
                iw = a.width;
                ih = a.height;
                if (use_shm) {
                    img = XShmCreateImage(d, a.visual, a.depth, ZPixmap, NULL, &shm, iw, ih);
                    shm.shmid = shmget(IPC_PRIVATE, (size_t)img->bytes_per_line * ih, IPC_CREAT | 0600);
                    shm.shmaddr = img->data = shmat(shm.shmid, NULL, 0);
                    shm.readOnly = False;
                    XShmAttach(d, &shm);
                    XSync(d, False);
                    shmctl(shm.shmid, IPC_RMID, NULL);
                }
            }
            double g0 = now_ms();
            x_error_seen = 0;
            int ok;
            if (use_shm) {
                ok = XShmGetImage(d, w, img, 0, 0, AllPlanes);
                XSync(d, False);
            } else {
                if (img) XDestroyImage(img);
                img = XGetImage(d, w, 0, 0, iw, ih, AllPlanes, ZPixmap);
                ok = img != NULL;
            }
            double g1 = now_ms();
            if (!ok || x_error_seen || !img || img->bits_per_pixel != 32) goto sleep;
            grab_total += g1 - g0;
            grabs++;
            double tf = g1 - t0;
            size_t n = (size_t)iw * ih;
            const uint32_t *px = (const uint32_t *)img->data;
            uint64_t h = 1469598103934665603ull, hb = h;
            int body_w = iw > 64 ? iw - 32 : iw;
            for (int y = 0; y < ih; y++) {
                const uint32_t *row = (const uint32_t *)(img->data + (size_t)y * img->bytes_per_line);
                for (int x = 0; x < iw; x++) {
                    h ^= row[x] & 0xffffff;
                    h *= 1099511628211ull;
                    if (x < body_w) { hb ^= row[x] & 0xffffff; hb *= 1099511628211ull; }
                }
            }
            if (nframes == 0 || h != last_hash) {
                double ink = ink_share(px, n);
                int colors = count_colors(px, n, 4096);
                if (nframes < MAX_FRAMES) frames[nframes++] = (Frame){tf, h, hb, ink, colors};
                if (frames_dir && saved < 12) write_ppm(frames_dir, saved++, tf, img);
                if (t_ink < 0 && ink > 0.005) t_ink = tf;
                if (t_text < 0 && colors >= 64) t_text = tf;
                last_hash = h;
            }
        }
    sleep:;
        struct timespec ts = {0, (long)interval_ms * 1000000L};
        nanosleep(&ts, NULL);
    }

    /* Settled: the first frame from which on every frame is one of the
     * states seen in the last 2 s (a blinking text caret alternates between
     * two), ignoring the right 32 px where GTK's overlay scrollbar fades out
     * over a few seconds. */
    double t_settled = -1;
    if (nframes) {
        double tail = frames[nframes - 1].t - 2000;
        int k = nframes - 1;
        for (;;) {
            if (k == 0) break;
            int in_tail = 0;
            for (int j = nframes - 1; j >= 0 && frames[j].t >= tail; j--)
                if (frames[j].body == frames[k - 1].body) { in_tail = 1; break; }
            if (!in_tail) break;
            k--;
        }
        t_settled = frames[k].t;
    }
    printf("{\"pid\":%d,\"shm\":%s,\"interval_ms\":%d,\"t_mapped_ms\":%.1f,\"t_first_ink_ms\":%.1f,"
           "\"t_first_text_ms\":%.1f,\"t_settled_ms\":%.1f,\"grab_ms_mean\":%.2f,\"polls\":%d,\"frames\":[",
           (int)pid, use_shm ? "true" : "false", interval_ms, t_mapped, t_ink, t_text, t_settled,
           grabs ? grab_total / grabs : 0.0, polls);
    for (int k = 0; k < nframes; k++)
        printf("%s{\"t_ms\":%.1f,\"hash\":\"%016llx\",\"body\":\"%016llx\",\"ink\":%.4f,\"colors\":%d}", k ? "," : "",
               frames[k].t, (unsigned long long)frames[k].hash,
               (unsigned long long)frames[k].body, frames[k].ink, frames[k].colors);
    printf("]}\n");
    fflush(stdout);
    if (img && use_shm) { XShmDetach(d, &shm); XDestroyImage(img); shmdt(shm.shmaddr); }
    XCloseDisplay(d);
    return t_ink >= 0 ? 0 : 3;
}
