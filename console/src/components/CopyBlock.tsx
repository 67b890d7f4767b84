import { useState } from "react";

/** A snippet with a copy button. */
export function CopyBlock({ text, testId }: { text: string; testId?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(text).catch(() => {});
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <div className="copy-block">
      <button type="button" className="small-button" onClick={copy}>
        {copied ? "Copied" : "Copy"}
      </button>
      <pre data-testid={testId}>{text}</pre>
    </div>
  );
}
