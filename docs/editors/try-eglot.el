;;; try-eglot.el --- the by-hand check of `paperdraft lsp' in Emacs (eglot), run headless
;;
;; Draft a paper, then, from a folder that is a project (git init), with `paperdraft' on PATH:
;;   emacs --batch -l docs/editors/try-eglot.el drafts/<draft>.md
;; Tried on Emacs 28.2 with Debian 12's elpa-eglot (1.9) and elpa-markdown-mode. It prints the
;; diagnostics, a hover on the first cite, the code actions there, the outline, and the diagnostics
;; after a critique is typed in place of the placeholder.
(setq debug-on-error t)
;; the README's snippet, as written
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs '(markdown-mode . ("paperdraft" "lsp"))))
(add-hook 'markdown-mode-hook #'eglot-ensure)
(require 'eglot)
(require 'markdown-mode)

(defun try-eglot--wait (done &optional tenths)
  (let ((n 0)) (while (and (not (funcall done)) (< n (or tenths 100))) (accept-process-output nil 0.1) (setq n (1+ n)))))

(defun try-eglot--codes ()
  (mapconcat (lambda (d) (let ((text (flymake-diagnostic-text d)))
                           (if (string-match "\\[\\([a-z-]+\\)\\]" text) (match-string 1 text) text)))
             (flymake-diagnostics) " "))

(find-file (car command-line-args-left))
(run-hooks 'post-command-hook)  ; eglot-ensure connects from here; batch Emacs runs no commands
(try-eglot--wait #'eglot-current-server)
(message "server: %S" (eglot--server-info (eglot-current-server)))
(try-eglot--wait #'flymake-diagnostics)
(dolist (d (flymake-diagnostics))
  (message "line %d: %s" (line-number-at-pos (flymake-diagnostic-beg d)) (flymake-diagnostic-text d)))

(goto-char (point-min))
(re-search-forward "(p\\. [0-9]+, §")
(backward-char 3)
(message "hover: %s" (plist-get (plist-get (jsonrpc-request (eglot-current-server) :textDocument/hover
                                                            (eglot--TextDocumentPositionParams))
                                           :contents)
                                :value))
(let ((here (eglot--pos-to-lsp-position (point))))
  (mapc (lambda (a) (message "action: %s" (plist-get a :title)))
        (jsonrpc-request (eglot-current-server) :textDocument/codeAction
                         (list :textDocument (eglot--TextDocumentIdentifier) :range (list :start here :end here)
                               :context (list :diagnostics [])))))
(message "outline: %s" (mapconcat (lambda (s) (plist-get s :name))
                                  (jsonrpc-request (eglot-current-server) :textDocument/documentSymbol
                                                   (list :textDocument (eglot--TextDocumentIdentifier)))
                                  " | "))

(message "before typing: %s" (try-eglot--codes))
(goto-char (point-min))
(re-search-forward "TODO(author)")
(delete-region (line-beginning-position) (line-end-position))
(dotimes (i 12)
  (insert (format "Point %d: the ablation in Table 3 varies one factor at a time, which I find convincing. " i))
  (accept-process-output nil 0.05))
(eglot--signal-textDocument/didChange)  ; what eglot's idle timer does; idle timers never fire in batch
(try-eglot--wait (lambda () nil) 30)
(message "after typing: %s" (try-eglot--codes))
(kill-emacs 0)
