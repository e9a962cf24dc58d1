// Word count: each batch of lines split into words and counted, leaving out stop words.
// The "hello world" of stream processing. Each queue entry is one batch of lines; a function
// may use any value defined around it (the stop words).
import { StreamingContext, Seconds } from 'rivulet';

const ssc = new StreamingContext({ batchInterval: Seconds(1) });
const stopWords = new Set(['to', 'be', 'or', 'the', 'is', 'a', 'of']);

const lines = ssc.queueStream([['to be or not to be', 'that is the question'], ['the rest is silence'], ['brevity is the soul of wit', 'to thine own self be true'], ['all the world is a stage']]);

const counts = lines
  .flatMap((line) => line.split(' '))
  .filter((word) => !stopWords.has(word))
  .map((word) => [word, 1])
  .reduceByKey((a, b) => a + b);

counts.print();
ssc.start();
