// Byline's one small script. Everything it does, the page also does without it: it only makes
// the same actions quicker and keeps the page live.
import { enhanceCopyButtons } from './copy.ts';
import { enhanceDesk } from './desk-keys.ts';
import { enhanceDiscussion } from './discussion.ts';
import { enhanceModeration } from './moderate.ts';
import { applyViewerOverlay, markScriptRuns } from './viewer.ts';

enhanceCopyButtons(document);
markScriptRuns();
void applyViewerOverlay();
enhanceDiscussion();
enhanceModeration();
enhanceDesk();
