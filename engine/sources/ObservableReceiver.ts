import type { Observable, Subscription } from 'rxjs';
import { Receiver } from './Receiver.ts';

/** Feeds an input stream from an RxJS Observable (ssc.fromObservable). */
export class ObservableReceiver<T> extends Receiver<T> {
  private subscription: Subscription | undefined;

  constructor(private readonly source: Observable<T>) {
    super();
  }

  override get cannotPause(): string {
    return 'an Observable pushes its values and cannot be paused';
  }

  onStart(): void {
    this.subscription = this.source.subscribe({
      next: (x) => void this.store(x),
      error: (e) => this.stop('the observable errored', e),
      complete: () => this.stop('the observable completed'),
    });
  }

  onStop(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }
}
