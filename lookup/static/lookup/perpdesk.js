// perpdesk's small enhancements. Every page works without them.
//  - "/" focuses the search box (unless you are typing somewhere already).
//  - Printing unfolds the folded lines of "Needs attention".
//  - Copy buttons next to ids, and "Copy reply" / "Copy note" (data-copy holds the text):
//    hidden in the HTML, revealed here; "Copied" is also said through a polite live region.
"use strict";
(function () {
    function isTyping(target) {
        if (!target) {
            return false;
        }
        const tag = target.tagName;
        return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
    }

    function focusSearchOnSlash(event) {
        if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
            return;
        }
        const box = document.getElementById("pd-search-q");
        if (box) {
            event.preventDefault();
            box.focus();
            box.select();
        }
    }

    let announcer = null;  // the polite live region that says "Copied" to screen readers

    function announce(text) {
        if (!announcer) {
            return;
        }
        announcer.textContent = "";
        window.setTimeout(function () { announcer.textContent = text; }, 50);  // re-announced each time
    }

    function showCopied(button, text) {
        if (!button.dataset.label) {
            button.dataset.label = button.textContent;
        }
        button.textContent = text;
        button.classList.add("pd-copied");
        announce(text);
        window.clearTimeout(button.copiedTimer);
        button.copiedTimer = window.setTimeout(function () {
            button.textContent = button.dataset.label;
            button.classList.remove("pd-copied");
        }, 1500);
    }

    function textToCopy(button) {
        // A note's perpdesk link is the page's path when PERPDESK_PUBLIC_URL is unset:
        // the page's own origin makes it absolute.
        const text = button.dataset.copy || "";
        const relative = button.dataset.copyRelative;
        if (!relative) {
            return text;
        }
        return text.split(relative).join(new URL(relative, window.location.href).href);
    }

    function execCopy() {
        try {
            return document.execCommand("copy");
        } catch (error) {
            return false;
        }
    }

    function copyBySelection(button, code) {
        // Without the async clipboard (plain http on an intranet host): select the id, copy it.
        const range = document.createRange();
        range.selectNodeContents(code);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        showCopied(button, execCopy() ? "Copied" : "Press Ctrl+C");
    }

    function copyThroughTextarea(button, text) {
        // A reply or note is not on the page as text: copy it from a textarea of its own,
        // off-screen; if the browser refuses, show it selected so Ctrl+C copies it.
        const area = document.createElement("textarea");
        area.value = text;
        area.readOnly = true;
        area.className = "pd-copy-fallback pd-copy-offscreen";
        area.setAttribute("aria-label", "Text to copy");
        button.insertAdjacentElement("afterend", area);
        area.focus({preventScroll: true});
        area.select();
        if (execCopy()) {
            area.remove();
            button.focus();
            showCopied(button, "Copied");
            return;
        }
        area.classList.remove("pd-copy-offscreen");
        area.addEventListener("blur", function () { area.remove(); });
        area.focus();
        area.select();
        showCopied(button, "Press Ctrl+C");
    }

    function copyWithoutClipboard(button, text) {
        const code = button.parentElement.querySelector(".pd-id");
        if (code && !button.dataset.copyRelative && code.textContent === text) {
            copyBySelection(button, code);
        } else {
            copyThroughTextarea(button, text);
        }
    }

    function copy(event) {
        const button = event.target.closest(".pd-copy");
        if (!button) {
            return;
        }
        const text = textToCopy(button);
        if (!navigator.clipboard || !window.isSecureContext) {
            copyWithoutClipboard(button, text);
            return;
        }
        navigator.clipboard.writeText(text).then(
            function () { showCopied(button, "Copied"); },
            function () { copyWithoutClipboard(button, text); }
        );
    }

    function addAnnouncer() {
        announcer = document.createElement("span");
        announcer.className = "visually-hidden";
        announcer.setAttribute("role", "status");
        announcer.setAttribute("aria-live", "polite");
        document.body.appendChild(announcer);
    }

    function revealCopyButtons() {
        addAnnouncer();
        document.querySelectorAll(".pd-copy").forEach(function (button) {
            button.hidden = false;
        });
        document.addEventListener("click", copy);
    }

    // A printed page shows what needs attention in full: the folded lines too.
    function unfoldForPrint() {
        document.querySelectorAll("details.pd-attention-more:not([open])").forEach(function (folded) {
            folded.open = true;
        });
    }

    document.addEventListener("keydown", focusSearchOnSlash);
    window.addEventListener("beforeprint", unfoldForPrint);
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", revealCopyButtons);
    } else {
        revealCopyButtons();
    }
})();
