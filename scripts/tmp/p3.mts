import { boxesFromMap } from '../../src/modules/documents/ocr.paddle.ts';
const W=50,H=20; const p=new Float32Array(W*H); for(let y=5;y<12;y++)for(let x=5;x<40;x++)p[y*W+x]=0.9;
console.log(boxesFromMap(p,W,H));
