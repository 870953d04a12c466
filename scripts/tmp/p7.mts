import { readFileSync } from 'node:fs';
import { scanPdfText } from '../../src/modules/documents/checks.pdf.ts';
for (const f of ['st_example.pdf','st_blank4.pdf']) console.log(f, await scanPdfText(readFileSync('/work/shared/fixtures/real-cards/'+f), {maxPages: 20}));
