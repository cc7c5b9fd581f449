// perpdesk's small enhancements. Every page works without them.
//  - "/" focuses the search box (unless you are typing somewhere already).
//  - Copy buttons next to ids: hidden in the HTML, revealed here where the clipboard works.
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

    function showCopied(button, text) {
        const original = button.textContent;
        button.textContent = text;
        button.classList.add("pd-copied");
        window.setTimeout(function () {
            button.textContent = original;
            button.classList.remove("pd-copied");
        }, 1500);
    }

    function copyBySelection(button) {
        // Without the async clipboard (plain http on an intranet host): select the id, copy it.
        const code = button.parentElement.querySelector(".pd-id");
        const range = document.createRange();
        range.selectNodeContents(code);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        let copied = false;
        try {
            copied = document.execCommand("copy");
        } catch (error) {
            copied = false;
        }
        showCopied(button, copied ? "Copied" : "Press Ctrl+C");
    }

    function copy(event) {
        const button = event.target.closest(".pd-copy");
        if (!button) {
            return;
        }
        if (!navigator.clipboard || !window.isSecureContext) {
            copyBySelection(button);
            return;
        }
        navigator.clipboard.writeText(button.dataset.copy || "").then(
            function () { showCopied(button, "Copied"); },
            function () { copyBySelection(button); }
        );
    }

    function revealCopyButtons() {
        document.querySelectorAll(".pd-copy").forEach(function (button) {
            button.hidden = false;
        });
        document.addEventListener("click", copy);
    }

    document.addEventListener("keydown", focusSearchOnSlash);
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", revealCopyButtons);
    } else {
        revealCopyButtons();
    }
})();
